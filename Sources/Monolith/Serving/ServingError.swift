import HTTPKit
import ModelKit

/// Why a serving request failed: the HTTP status it maps to and a message for the client.
///
/// Every codec and route of the serving API throws this one type; each route family's
/// error renderer turns it into its protocol's body (`{"error": ...}` for the seed routes,
/// V1 and V2; `{"error_code", "message"}` for MLflow scoring). Messages name what was
/// wrong: the input, the expected and the received datatype or shape, the JSON position.
struct ServingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The broad class of failure; it fixes the status code.
    enum Kind: Sendable, Equatable {
        /// 400: the request is malformed or does not fit the model.
        case badRequest
        /// 404: unknown model, version or alias.
        case notFound
        /// 409: the request conflicts with the current state (e.g. alias on a failed version).
        case conflict
        /// 413: a tensor or body is over a configured limit.
        case contentTooLarge
        /// 415: a content type the route does not take.
        case unsupportedMediaType
        /// 503: the model exists but is not ready (still loading, failed, unloaded).
        case unavailable
        /// 500: a fault of the server; the message is safe for clients.
        case `internal`
    }

    let kind: Kind
    let message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    static func badRequest(_ message: String) -> ServingError { ServingError(.badRequest, message) }
    static func notFound(_ message: String) -> ServingError { ServingError(.notFound, message) }
    static func tooLarge(_ message: String) -> ServingError { ServingError(.contentTooLarge, message) }
    static func unavailable(_ message: String) -> ServingError { ServingError(.unavailable, message) }

    /// The numeric HTTP status.
    var statusCode: Int {
        switch kind {
        case .badRequest: return 400
        case .notFound: return 404
        case .conflict: return 409
        case .contentTooLarge: return 413
        case .unsupportedMediaType: return 415
        case .unavailable: return 503
        case .internal: return 500
        }
    }

    /// The MLflow `error_code` for this failure (mlflow/protos/databricks.proto names).
    var mlflowErrorCode: String {
        switch kind {
        case .badRequest, .contentTooLarge, .unsupportedMediaType: return "BAD_REQUEST"
        case .notFound: return "RESOURCE_DOES_NOT_EXIST"
        case .conflict: return "INVALID_STATE"
        case .unavailable: return "TEMPORARILY_UNAVAILABLE"
        case .internal: return "INTERNAL_ERROR"
        }
    }

    var description: String { "\(statusCode): \(message)" }

    /// A JSON syntax error, with its position ("invalid JSON at line 1, column 9 ...").
    static func json(_ error: JSONError) -> ServingError {
        .badRequest(error.description)
    }

    /// Maps an error of `Session.run` to a client answer.
    ///
    /// Input problems and evaluation failures caused by the feeds are the client's (400);
    /// limits are 413; anything else is the model's or the server's fault (500).
    static func inference(_ error: ModelError) -> ServingError {
        switch error.kind {
        case .invalidInput, .runtime: return .badRequest(error.message)
        case .limitExceeded: return .tooLarge(error.message)
        default: return ServingError(.internal, "inference failed: \(error.message)")
        }
    }
}
