import HTTPKit
import ModelKit
import StoreKitLite

/// An MLflow REST error: `{"error_code": "...", "message": "..."}` with the HTTP status
/// MLflow gives that code (mlflow/exceptions.py `ERROR_CODE_TO_HTTP_STATUS`). Clients branch
/// on `error_code` (e.g. `get_experiment_by_name` turns RESOURCE_DOES_NOT_EXIST into None,
/// `register_model` carries on past RESOURCE_ALREADY_EXISTS), so the code matters more than
/// the status.
struct MLflowError: Error, Sendable, Equatable, CustomStringConvertible, HTTPResponseError {
    /// An MLflow `ErrorCode` name (mlflow/protos/databricks.proto) and its status.
    struct Code: Sendable, Equatable {
        let name: String
        let status: HTTPStatus

        static let resourceDoesNotExist = Code(name: "RESOURCE_DOES_NOT_EXIST", status: .notFound)
        static let resourceAlreadyExists = Code(name: "RESOURCE_ALREADY_EXISTS", status: .badRequest)
        static let invalidParameterValue = Code(name: "INVALID_PARAMETER_VALUE", status: .badRequest)
        static let badRequest = Code(name: "BAD_REQUEST", status: .badRequest)
        static let internalError = Code(name: "INTERNAL_ERROR", status: .internalServerError)
        static let endpointNotFound = Code(name: "ENDPOINT_NOT_FOUND", status: .notFound)
        static let unauthenticated = Code(name: "UNAUTHENTICATED", status: .unauthorized)
        static let permissionDenied = Code(name: "PERMISSION_DENIED", status: .forbidden)
        static let requestLimitExceeded = Code(name: "REQUEST_LIMIT_EXCEEDED", status: .tooManyRequests)
        static let temporarilyUnavailable = Code(name: "TEMPORARILY_UNAVAILABLE", status: .serviceUnavailable)
    }

    var code: Code
    var message: String
    var headers = HTTPHeaders()

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    var status: HTTPStatus { code.status }
    var description: String { "\(code.name): \(message)" }

    static func == (lhs: MLflowError, rhs: MLflowError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message
    }

    /// MLflow's wording for a missing required field (server/handlers.py).
    static func missing(_ field: String) -> MLflowError {
        MLflowError(.invalidParameterValue, "Missing value for required parameter '\(field)'. See the API docs for more information about request parameters.")
    }

    /// A field of the wrong type or out of range.
    static func invalid(_ field: String, _ detail: String) -> MLflowError {
        MLflowError(.invalidParameterValue, "Invalid value for parameter '\(field)': \(detail)")
    }

    /// Maps an error from the store, the registry, the JSON parser or HTTPKit to the code
    /// MLflow would answer; anything unknown is INTERNAL_ERROR (its details go to the log).
    static func wrapping(_ error: any Error) -> MLflowError? {
        switch error {
        case let e as MLflowError:
            return e
        case let e as StoreError:
            switch e.code {
            case .notFound: return MLflowError(.resourceDoesNotExist, e.message)
            case .alreadyExists: return MLflowError(.resourceAlreadyExists, e.message)
            // MLflow answers INVALID_PARAMETER_VALUE for values over its limits and for writes
            // to deleted runs (`_check_run_is_active`).
            case .invalidArgument, .invalidState, .tooLarge: return MLflowError(.invalidParameterValue, e.message)
            case .readOnly: return MLflowError(.permissionDenied, e.message)
            default: return nil
            }
        case let e as RegistryError:
            switch e.kind {
            case .notFound: return MLflowError(.resourceDoesNotExist, e.message)
            case .invalidModel, .invalidArgument, .tooLarge, .conflict: return MLflowError(.invalidParameterValue, e.message)
            case .loading, .unavailable: return MLflowError(.temporarilyUnavailable, e.message)
            case .readOnly: return MLflowError(.permissionDenied, e.message)
            default: return nil
            }
        case let e as JSONError:
            return MLflowError(.badRequest, "Malformed JSON in the request body: \(e)")
        case let e as any HTTPResponseError:
            var mapped: MLflowError
            switch e.status.code {
            case 401: mapped = MLflowError(.unauthenticated, e.message)
            case 403: mapped = MLflowError(.permissionDenied, e.message)
            case 404: mapped = MLflowError(.endpointNotFound, e.message)
            case 405: mapped = MLflowError(Code(name: "ENDPOINT_NOT_FOUND", status: .methodNotAllowed), e.message)
            case 413: mapped = MLflowError(Code(name: "INVALID_PARAMETER_VALUE", status: .contentTooLarge), e.message)
            case 429: mapped = MLflowError(.requestLimitExceeded, e.message)
            case 503: mapped = MLflowError(.temporarilyUnavailable, e.message)
            case 500...: return nil
            default: mapped = MLflowError(.badRequest, e.message)
            }
            mapped.headers = e.headers
            return mapped
        default:
            return nil
        }
    }
}

/// Renders every error under `/api/2.0/mlflow` and `/ajax-api/2.0/mlflow` in MLflow's shape
/// (DESIGN.md: "one place maps errors to responses; error bodies follow the protocol of the
/// route"), including the gateway's 401/403/429 and the router's 404/405.
struct MLflowAPIErrorRenderer: HTTPErrorRenderer {
    func render(_ error: any Error, path: String?, context: RequestContext) -> Response {
        let mapped: MLflowError
        if let known = MLflowError.wrapping(error) {
            mapped = known
        } else {
            context.logger.error("unhandled error", metadata: ["error": .string(String(describing: error))])
            mapped = MLflowError(.internalError, "internal server error")
        }
        var response = Response.json(status: mapped.status) { json in
            json.beginObject()
            json.key("error_code"); json.string(mapped.code.name)
            json.key("message"); json.string(mapped.message)
            json.endObject()
        }
        for (name, value) in mapped.headers { response.headers.add(name: name, value: value) }
        return response
    }
}
