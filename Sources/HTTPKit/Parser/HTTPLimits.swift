/// Every size limit the request parser enforces, in one value (NIO's
/// `NIOHTTPDecoderLimitConfiguration` shape). Defaults follow issue 2.
public struct HTTPLimits: Sendable, Equatable {
    /// Longest request-target in bytes; longer gets 414 (RFC 9112 §3: servers must bound it).
    public var maxRequestTargetLength: Int = 8 * 1024
    /// Largest head (request line + field lines) in bytes; larger gets 431 (RFC 6585 §5).
    public var maxHeadSize: Int = 64 * 1024
    /// Most field lines in a head or a trailer section; more gets 431.
    public var maxHeaderFieldCount: Int = 100
    /// Largest request body in bytes (routes may override); larger gets 413.
    public var maxBodySize: Int = 64 * 1024 * 1024
    /// Longest chunk-size line including chunk extensions; longer gets 400.
    public var maxChunkLineLength: Int = 4 * 1024
    /// Reject HTTP/1.1 requests without exactly one `Host` (RFC 9112 §3.2: a server MUST).
    public var requireHost: Bool = true

    public init() {}

    /// Creates limits, keeping the defaults for every value not given.
    public init(
        maxRequestTargetLength: Int = 8 * 1024, maxHeadSize: Int = 64 * 1024,
        maxHeaderFieldCount: Int = 100, maxBodySize: Int = 64 * 1024 * 1024,
        maxChunkLineLength: Int = 4 * 1024, requireHost: Bool = true
    ) {
        self.maxRequestTargetLength = maxRequestTargetLength
        self.maxHeadSize = maxHeadSize
        self.maxHeaderFieldCount = maxHeaderFieldCount
        self.maxBodySize = maxBodySize
        self.maxChunkLineLength = maxChunkLineLength
        self.requireHost = requireHost
    }
}
