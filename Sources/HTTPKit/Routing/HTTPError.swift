/// An error that knows the HTTP response it maps to (Hummingbird's `HTTPResponseError` shape).
///
/// Throw one from a handler or middleware; the error renderer turns it into a response.
/// Any other error becomes a 500 and a log line.
public protocol HTTPResponseError: Error {
    /// The response status.
    var status: HTTPStatus { get }
    /// A client-safe message for the response body.
    var message: String { get }
    /// Extra response headers (e.g. `Allow` for 405, `WWW-Authenticate` for 401).
    var headers: HTTPHeaders { get }
}

extension HTTPResponseError {
    public var headers: HTTPHeaders { HTTPHeaders() }
}

/// A plain HTTP error: status, message and optional headers.
public struct HTTPError: HTTPResponseError, Sendable, Equatable, CustomStringConvertible {
    public var status: HTTPStatus
    public var message: String
    public var headers: HTTPHeaders

    public init(_ status: HTTPStatus, message: String? = nil, headers: HTTPHeaders = HTTPHeaders()) {
        self.status = status
        self.message = message ?? status.reasonPhrase.lowercased()
        self.headers = headers
    }

    public static func == (lhs: HTTPError, rhs: HTTPError) -> Bool {
        lhs.status == rhs.status && lhs.message == rhs.message
    }

    public var description: String { "HTTPError(\(status.code), \(message))" }
}
