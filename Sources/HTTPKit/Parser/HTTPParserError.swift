/// Why a request was rejected by the parser, with the status the server answers.
///
/// A struct over a private kind (NIO's `NIOHTTPObjectAggregatorError` shape) so kinds can be
/// added without breaking users. Every parser error closes the connection: after a framing
/// error the next message boundary is unknown (RFC 9112 §6.3, §11.2).
public struct HTTPParserError: Error, Hashable, Sendable, CustomStringConvertible, HTTPResponseError {
    enum Kind: Hashable, Sendable {
        case invalidRequestLine, invalidMethod, invalidTarget, invalidVersion, unsupportedVersion
        case targetTooLong, headTooLarge, tooManyFields
        case invalidFieldName, whitespaceBeforeColon, obsFold, bareCR, invalidFieldValue
        case missingHost, invalidHost
        case contentLengthWithTransferEncoding, invalidContentLength, differentContentLengths
        case unsupportedTransferCoding, transferEncodingInHTTP10
        case invalidChunkSize, invalidChunkExtension, invalidChunkTerminator
        case bodyTooLarge, invalidPercentEncoding, unsupportedExpectation
    }

    let kind: Kind

    /// The status of the response the server sends before closing.
    public var status: HTTPStatus {
        switch kind {
        case .unsupportedVersion: .httpVersionNotSupported
        case .targetTooLong: .uriTooLong
        case .headTooLarge, .tooManyFields: .requestHeaderFieldsTooLarge
        case .bodyTooLarge: .contentTooLarge
        case .unsupportedExpectation: .expectationFailed
        default: .badRequest
        }
    }

    /// A constant, client-safe description.
    public var message: String {
        switch kind {
        case .invalidRequestLine: "malformed request line"
        case .invalidMethod: "invalid method"
        case .invalidTarget: "invalid request target"
        case .invalidVersion: "malformed HTTP version"
        case .unsupportedVersion: "HTTP version not supported"
        case .targetTooLong: "request target too long"
        case .headTooLarge: "request header section too large"
        case .tooManyFields: "too many header fields"
        case .invalidFieldName: "invalid header field name"
        case .whitespaceBeforeColon: "whitespace between header field name and colon"
        case .obsFold: "obsolete line folding in header field"
        case .bareCR: "bare CR in message"
        case .invalidFieldValue: "invalid character in header field value"
        case .missingHost: "missing Host header"
        case .invalidHost: "invalid or repeated Host header"
        case .contentLengthWithTransferEncoding: "both Transfer-Encoding and Content-Length"
        case .invalidContentLength: "invalid Content-Length"
        case .differentContentLengths: "conflicting Content-Length values"
        case .unsupportedTransferCoding: "transfer coding other than a final chunked"
        case .transferEncodingInHTTP10: "Transfer-Encoding in an HTTP/1.0 request"
        case .invalidChunkSize: "invalid chunk size"
        case .invalidChunkExtension: "invalid chunk extension"
        case .invalidChunkTerminator: "chunk data not followed by CRLF"
        case .bodyTooLarge: "request body too large"
        case .invalidPercentEncoding: "invalid percent-encoding in path"
        case .unsupportedExpectation: "unsupported expectation"
        }
    }

    public var description: String { "\(status.code) \(message)" }

    public static let invalidRequestLine = Self(kind: .invalidRequestLine)
    public static let invalidMethod = Self(kind: .invalidMethod)
    public static let invalidTarget = Self(kind: .invalidTarget)
    public static let invalidVersion = Self(kind: .invalidVersion)
    public static let unsupportedVersion = Self(kind: .unsupportedVersion)
    public static let targetTooLong = Self(kind: .targetTooLong)
    public static let headTooLarge = Self(kind: .headTooLarge)
    public static let tooManyFields = Self(kind: .tooManyFields)
    public static let invalidFieldName = Self(kind: .invalidFieldName)
    public static let whitespaceBeforeColon = Self(kind: .whitespaceBeforeColon)
    public static let obsFold = Self(kind: .obsFold)
    public static let bareCR = Self(kind: .bareCR)
    public static let invalidFieldValue = Self(kind: .invalidFieldValue)
    public static let missingHost = Self(kind: .missingHost)
    public static let invalidHost = Self(kind: .invalidHost)
    public static let contentLengthWithTransferEncoding = Self(kind: .contentLengthWithTransferEncoding)
    public static let invalidContentLength = Self(kind: .invalidContentLength)
    public static let differentContentLengths = Self(kind: .differentContentLengths)
    public static let unsupportedTransferCoding = Self(kind: .unsupportedTransferCoding)
    public static let transferEncodingInHTTP10 = Self(kind: .transferEncodingInHTTP10)
    public static let invalidChunkSize = Self(kind: .invalidChunkSize)
    public static let invalidChunkExtension = Self(kind: .invalidChunkExtension)
    public static let invalidChunkTerminator = Self(kind: .invalidChunkTerminator)
    public static let bodyTooLarge = Self(kind: .bodyTooLarge)
    public static let invalidPercentEncoding = Self(kind: .invalidPercentEncoding)
    public static let unsupportedExpectation = Self(kind: .unsupportedExpectation)
}
