import CZlib

/// An HTTP content coding this server decodes in requests and produces in responses
/// (RFC 9110 §8.4.1): `gzip` (RFC 1952; `x-gzip` is its alias) and `deflate` (the zlib
/// format, RFC 1950). Triton's clients send both (`request_compression_algorithm`) and ask
/// for them (`response_compression_algorithm`); zlib does the work (linked statically).
public enum ContentCoding: String, Sendable, CaseIterable {
    case gzip
    case deflate

    /// What `Accept-Encoding` a 415 lists (RFC 9110 §12.5.3).
    public static let supportedList = "gzip, deflate"

    /// The coding named `token` (case-insensitive, `x-gzip` = gzip), nil for an unknown one.
    public init?(token: some StringProtocol) {
        switch token.lowercased() {
        case "gzip", "x-gzip": self = .gzip
        case "deflate": self = .deflate
        default: return nil
        }
    }

    /// The codings a `Content-Encoding` value lists, in the order they were applied;
    /// `identity` entries are dropped. Throws 415 for a coding this server cannot decode.
    public static func codings(contentEncoding value: String) throws(ContentCodingError) -> [ContentCoding] {
        var result: [ContentCoding] = []
        for item in value.split(separator: ",") {
            let token = item.trimmingSpaces()
            if token.isEmpty || token.lowercased() == "identity" { continue }
            guard let coding = ContentCoding(token: token) else { throw .unsupported(String(token)) }
            result.append(coding)
        }
        return result
    }

    /// The coding to answer with for these `Accept-Encoding` field values, or nil (send as
    /// is): the acceptable one (q > 0) with the highest weight, gzip on a tie; `*` stands for
    /// any coding not named (RFC 9110 §12.5.3).
    public static func preferred(acceptEncoding values: [String]) -> ContentCoding? {
        var weights: [ContentCoding: Double] = [:]
        var wildcard: Double?
        for value in values {
            for item in value.split(separator: ",") {
                let parts = item.split(separator: ";", omittingEmptySubsequences: false)
                let name = parts[0].trimmingSpaces()
                var weight = 1.0
                for parameter in parts.dropFirst() {
                    let pair = parameter.split(separator: "=", maxSplits: 1)
                    guard pair.count == 2, pair[0].trimmingSpaces().lowercased() == "q" else { continue }
                    weight = Double(pair[1].trimmingSpaces()).map { min(max($0, 0), 1) } ?? 0
                }
                if name == "*" {
                    wildcard = weight
                } else if let coding = ContentCoding(token: name) {
                    weights[coding] = max(weights[coding] ?? 0, weight)
                }
            }
        }
        var best: (coding: ContentCoding, weight: Double)?
        for coding in allCases {
            let weight = weights[coding] ?? wildcard ?? 0
            if weight > 0, weight > (best?.weight ?? 0) { best = (coding, weight) }
        }
        return best?.coding
    }

    // MARK: Decoding

    /// Undoes `codings` (applied in that order) on `bytes`; the result may be at most
    /// `limit` bytes (413 past it, checked while inflating: a small bomb never grows
    /// beyond the limit). Malformed or truncated data is a 400.
    public static func decode(_ bytes: [UInt8], codings: [ContentCoding], limit: Int) throws(ContentCodingError) -> [UInt8] {
        var data = bytes
        for coding in codings.reversed() { data = try coding.decode(data, limit: limit) }
        return data
    }

    /// Inflates `bytes` in this coding. gzip accepts several members one after another
    /// (RFC 1952 §2.2); deflate also accepts a raw deflate stream without the zlib wrapper,
    /// which some clients send.
    public func decode(_ bytes: [UInt8], limit: Int) throws(ContentCodingError) -> [UInt8] {
        guard !bytes.isEmpty else { return [] }
        let windowBits: Int32
        switch self {
        case .gzip: windowBits = 15 + 16
        case .deflate: windowBits = Self.hasZlibHeader(bytes) ? 15 : -15
        }
        var stream = z_stream()
        guard czlib_inflate_init(&stream, windowBits) == Z_OK else { throw .malformed(self, "cannot start inflating") }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        output.reserveCapacity(min(limit, max(4096, bytes.count * 4)))
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var consumed = 0
        while true {
            let (status, used, produced) = bytes.withUnsafeBufferPointer { input in
                chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress.map { $0 + consumed })
                    stream.avail_in = UInt32(clamping: input.count - consumed)
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    let before = stream.avail_in
                    let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return (status, Int(before - stream.avail_in), out.count - Int(stream.avail_out))
                }
            }
            consumed += used
            guard produced <= limit - output.count else { throw .tooLarge(limit) }
            output.append(contentsOf: chunk[0..<produced])
            switch status {
            case Z_STREAM_END:
                guard consumed < bytes.count else { return output }
                // Another gzip member follows; anything else after the end is an error.
                guard self == .gzip, inflateReset(&stream) == Z_OK else {
                    throw .malformed(self, "\(bytes.count - consumed) bytes follow the end of the compressed data")
                }
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                // No progress possible: the input ended before the compressed data did.
                guard produced == 0, used == 0 else { continue }
                throw .malformed(self, "the compressed data is truncated")
            default:
                let reason = stream.msg.map { String(cString: $0) } ?? "invalid compressed data"
                throw .malformed(self, reason)
            }
        }
    }

    /// Whether `bytes` start with a zlib header (RFC 1950 §2.2: CM 8, FCHECK).
    static func hasZlibHeader(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 2 else { return false }
        return bytes[0] & 0x0F == 8 && bytes[0] >> 4 <= 7 && (UInt16(bytes[0]) << 8 | UInt16(bytes[1])) % 31 == 0
    }

    // MARK: Encoding

    /// `bytes` compressed in this coding at `level` (1 fastest ... 9 smallest), or nil when
    /// zlib cannot (out of memory).
    public func encode(_ bytes: [UInt8], level: Int32 = 1) -> [UInt8]? {
        var stream = z_stream()
        guard czlib_deflate_init(&stream, level, self == .gzip ? 15 + 16 : 15) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        // deflateBound covers the zlib wrapper; a gzip header and trailer are 18 bytes.
        let capacity = Int(deflateBound(&stream, UInt(bytes.count))) + 18
        var failed = false
        let output = [UInt8](unsafeUninitializedCapacity: capacity) { out, count in
            let status = bytes.withUnsafeBufferPointer { input in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = UInt32(clamping: input.count)
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(clamping: out.count)
                return CZlib.deflate(&stream, Z_FINISH)
            }
            failed = status != Z_STREAM_END
            count = failed ? 0 : out.count - Int(stream.avail_out)
        }
        return failed ? nil : output
    }
}

/// Why a request body's content coding was refused: each maps to the status a client
/// can act on.
public enum ContentCodingError: HTTPResponseError, Sendable, Equatable {
    /// A coding this server does not know (415, with `Accept-Encoding` listing what it does).
    case unsupported(String)
    /// The body is not valid data of its coding (400).
    case malformed(ContentCoding, String)
    /// The decoded body would pass this many bytes (413).
    case tooLarge(Int)
    /// The route reads its body as a stream, which is not decoded (415).
    case streamedBody(ContentCoding)

    public var status: HTTPStatus {
        switch self {
        case .unsupported, .streamedBody: .unsupportedMediaType
        case .malformed: .badRequest
        case .tooLarge: .contentTooLarge
        }
    }

    public var message: String {
        switch self {
        case .unsupported(let coding):
            "Content-Encoding '\(coding)' is not supported; send the body uncompressed or as \(ContentCoding.supportedList)"
        case .malformed(let coding, let reason):
            "the request body is not valid \(coding.rawValue) data: \(reason)"
        case .tooLarge(let limit):
            "the decompressed request body is larger than the limit of \(limit) bytes"
        case .streamedBody(let coding):
            "this route streams its body to disk and does not decode Content-Encoding '\(coding.rawValue)'; send the body uncompressed"
        }
    }

    public var headers: HTTPHeaders {
        switch self {
        case .unsupported, .streamedBody: ["Accept-Encoding": ContentCoding.supportedList]
        case .malformed, .tooLarge: HTTPHeaders()
        }
    }
}
