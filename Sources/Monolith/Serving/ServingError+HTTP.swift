import HTTPKit

extension ServingError: HTTPResponseError {
    var status: HTTPStatus { HTTPStatus(code: statusCode) }

    /// `Retry-After` on 503 so clients and load balancers back off briefly.
    var headers: HTTPHeaders {
        kind == .unavailable ? ["Retry-After": "1"] : HTTPHeaders()
    }
}

/// MLflow scoring errors: `{"error_code": "BAD_REQUEST", "message": "..."}`
/// (mlflow/pyfunc/scoring_server; `MlflowException.serialize_as_json`).
struct MLflowErrorRenderer: HTTPErrorRenderer {
    func render(_ error: any Error, path: String?, context: RequestContext) -> Response {
        let code: String
        let message: String
        let status: HTTPStatus
        var extra = HTTPHeaders()
        if let error = error as? ServingError {
            code = error.mlflowErrorCode
            message = error.message
            status = error.status
            extra = error.headers
        } else if let error = error as? any HTTPResponseError {
            status = error.status
            message = error.message
            extra = error.headers
            switch status.code {
            case 401: code = "UNAUTHENTICATED"
            case 403: code = "PERMISSION_DENIED"
            case 404: code = "ENDPOINT_NOT_FOUND"
            case 429: code = "REQUEST_LIMIT_EXCEEDED"
            case 500...: code = "INTERNAL_ERROR"
            default: code = "BAD_REQUEST"
            }
        } else {
            context.logger.error("unhandled error", metadata: ["error": .string(String(describing: error))])
            status = .internalServerError
            code = "INTERNAL_ERROR"
            message = "internal server error"
        }
        var response = Response.json(status: status) { json in
            json.beginObject()
            json.key("error_code"); json.string(code)
            json.key("message"); json.string(message)
            json.endObject()
        }
        for (name, value) in extra { response.headers.add(name: name, value: value) }
        return response
    }
}

extension Response {
    /// `Content-Type: application/json`, built once: the hot routes copy it (a retain)
    /// instead of building header storage per response.
    /// A JSON body with status 200 (or `status`).
    ///
    /// The header list is made per response with room for the gateway's fields (request id,
    /// traceparent): a shared constant list would be copied on the gateway's first addition
    /// anyway, after every loop thread had retained the same storage.
    static func jsonBody(_ bytes: [UInt8], status: HTTPStatus = .ok) -> Response {
        var headers = HTTPHeaders(reservingFields: 4, bytes: 160)
        headers.add(name: "Content-Type", value: "application/json")
        return Response(status: status, headers: headers, body: .bytes(bytes))
    }

    /// A status with an empty body (V2 health answers).
    static func empty(_ status: HTTPStatus) -> Response {
        Response(status: status)
    }
}

extension Request {
    /// The body bytes; a streamed body is collected up to `limit`.
    func bodyBytes(limit: Int = 64 << 20) throws -> [UInt8] {
        try body.collect(upTo: limit)
    }
}
