@testable import HTTPKit
import StoreKitLite
import Testing
@testable import Monolith

/// The MLflow routes behind the whole `serve` wiring over loopback: the gateway's access
/// rules, MLflow-shaped refusals, and the registry shared with the other APIs.
@Suite("MLflow behind the gateway", .serialized)
struct MLflowGatewayTests {
    @Test func writesNeedAnAdminKeyAndRefusalsAreMLflowErrors() throws {
        let server = try GatewayServer()
        let body = Array(#"{"name": "from-mlflow"}"#.utf8)
        let anonymous = try server.request("POST", "/api/2.0/mlflow/registered-models/create", body: body)
        #expect(anonymous.status == 401)
        #expect(try parseJSON(anonymous.body)["error_code"] == .string("UNAUTHENTICATED"))
        let predict = try server.request("POST", "/api/2.0/mlflow/registered-models/create", key: server.secret("predict"), body: body)
        #expect(predict.status == 403)
        #expect(try parseJSON(predict.body)["error_code"] == .string("PERMISSION_DENIED"))
        let trackingWrite = try server.request("POST", "/ajax-api/2.0/mlflow/runs/create", key: server.secret("predict"), body: Array("{}".utf8))
        #expect(trackingWrite.status == 403)
        let admin = try server.request("POST", "/api/2.0/mlflow/registered-models/create", key: server.secret("admin"), body: body)
        #expect(admin.status == 200, "\(admin.bodyText)")
        // Reads are management too: an admin key, whatever MONOLITH_AUTH says.
        let anonymousRead = try server.request("GET", "/api/2.0/mlflow/registered-models/get?name=from-mlflow")
        #expect(anonymousRead.status == 401)
        #expect(try server.request("GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", key: server.secret("predict")).status == 403)
        let read = try server.request("GET", "/api/2.0/mlflow/registered-models/get?name=from-mlflow", key: server.secret("admin"))
        #expect(read.status == 200)
        #expect(try parseJSON(read.body)["registered_model"]?["name"] == .string("from-mlflow"))
        // The registry folder's model is an MLflow model too.
        let folder = try server.request("GET", "/api/2.0/mlflow/model-versions/search?filter=name%3D%27m%27", key: server.secret("admin"))
        let versions = try #require(try parseJSON(folder.body)["model_versions"]?.array)
        #expect(versions.count == 1 && versions.first?["status"] == .string("READY"))
        let alias = try server.request("POST", "/api/2.0/mlflow/registered-models/alias", key: server.secret("admin"),
                                       body: Array(#"{"name": "m", "alias": "champion", "version": "1"}"#.utf8))
        #expect(alias.status == 200)
        let served = try server.request("POST", "/v2/models/m@champion/infer",
                                        body: Array(#"{"inputs": [{"name": "x", "shape": [1], "datatype": "FP32", "data": [1.5]}]}"#.utf8))
        #expect(served.status == 200)
        #expect(try parseJSON(served.body)["outputs"]?.array?.first?["data"] == .array([.double(2.5)]))
        let unknown = try server.request("GET", "/api/2.0/mlflow/nothing/here", key: server.secret("admin"))
        #expect(unknown.status == 404)
        #expect(try parseJSON(unknown.body)["error_code"] == .string("ENDPOINT_NOT_FOUND"))
        // The access log names route templates, and the acting key is the audit's actor.
        #expect(server.accessLines().contains { $0["http.route"] == .string("/api/2.0/mlflow/registered-models/create") })
        #expect(try server.application.store.auditLog(limit: 50).contains { $0.action == "alias.set" && $0.actor == server.ids["admin"] })
    }

    @Test func withoutAnAdminKeyConfiguredTheAPIIsClosed() throws {
        let server = try GatewayServer(keys: [("predict", .predict)])
        let anonymous = try server.request("GET", "/api/2.0/mlflow/experiments/get?experiment_id=0")
        #expect(anonymous.status == 401)
        #expect(try parseJSON(anonymous.body)["error_code"] == .string("UNAUTHENTICATED"))
        let predict = try server.request("GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", key: server.secret("predict"))
        #expect(predict.status == 403)
        #expect(try parseJSON(predict.body)["error_code"] == .string("PERMISSION_DENIED"))
    }
}
