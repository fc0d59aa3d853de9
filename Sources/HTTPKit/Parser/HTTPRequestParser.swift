import Glibc

/// What the parser produced from the bytes it was given.
public enum HTTPParserEvent: Sendable {
    /// The bytes given end inside a message part; call again with more.
    case needMoreData
    /// A complete request head. Set `bodyLimit` now if the route has its own limit.
    case head(RequestHead)
    /// Body bytes: this range of the input given to `parse` (dechunked).
    case body(Range<Int>)
    /// The message is complete; trailer fields of a chunked body (else empty).
    case end(trailers: HTTPHeaders)
}

/// A sans-IO HTTP/1.1 request parser (RFC 9112): bytes in, request parts out.
///
/// Contract: `parse` reports how many bytes it consumed; the caller drops them and passes
/// the unconsumed rest again, followed by newly received bytes, on the next call. The
/// parser remembers how far it scanned so a head arriving byte by byte costs O(n).
/// After a thrown error the parser stays failed: the connection must answer and close.
public struct HTTPRequestParser: Sendable {
    enum State: Sendable {
        case head
        case bodyStart(RequestHead.Framing)
        case fixedBody(remaining: Int)
        case chunkLine
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case end
        case failed(HTTPParserError)
    }

    /// The limits this parser enforces.
    public let limits: HTTPLimits
    /// The body limit of the current request; reset to `limits.maxBodySize` at each head.
    public var bodyLimit: Int
    var state: State = .head
    /// Where the line scan resumes, relative to the start of the unconsumed input.
    var scanOffset = 0
    /// Lines seen so far in the head or trailer section being scanned.
    var lineCount = 0
    /// Body bytes delivered so far for the current chunked message.
    var bodyReceived = 0

    public init(limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
        self.bodyLimit = limits.maxBodySize
    }

    /// True when no message is in progress (nothing of the next request consumed yet).
    public var isIdle: Bool {
        if case .head = state { return scanOffset == 0 && lineCount == 0 }
        return false
    }

    /// Parses `input` up to the next event and returns it with the bytes consumed.
    /// `.needMoreData` means everything usable was used (framing bytes may be consumed).
    public mutating func parse(_ input: UnsafeRawBufferPointer) throws(HTTPParserError) -> (event: HTTPParserEvent, consumed: Int) {
        var offset = 0
        while true {
            let (event, consumed) = try step(UnsafeRawBufferPointer(rebasing: input[offset...]))
            offset += consumed
            switch event {
            case .needMoreData:
                // Framing (chunk lines, CRLFs, empty lines) was consumed: keep going.
                if consumed > 0 && offset < input.count { continue }
                return (.needMoreData, offset)
            case .body(let range):
                let shift = offset - consumed
                return (.body((range.lowerBound + shift)..<(range.upperBound + shift)), offset)
            default:
                return (event, offset)
            }
        }
    }

    /// One state transition over `input`.
    mutating func step(_ input: UnsafeRawBufferPointer) throws(HTTPParserError) -> (event: HTTPParserEvent, consumed: Int) {
        switch state {
        case .failed(let error):
            throw error
        case .head:
            do {
                return try parseHead(input)
            } catch {
                state = .failed(error)
                throw error
            }
        case .bodyStart(let framing):
            switch framing {
            case .none:
                state = .end
                return try step(input)
            case .length(let n):
                guard n <= bodyLimit else { return try fail(.bodyTooLarge) }
                state = n == 0 ? .end : .fixedBody(remaining: n)
                return try step(input)
            case .chunked:
                bodyReceived = 0
                state = .chunkLine
                return try step(input)
            }
        case .fixedBody(let remaining):
            guard !input.isEmpty else { return (.needMoreData, 0) }
            let take = min(remaining, input.count)
            state = take == remaining ? .end : .fixedBody(remaining: remaining - take)
            return (.body(0..<take), take)
        case .chunkLine:
            return try parseChunkLine(input)
        case .chunkData(let remaining):
            guard !input.isEmpty else { return (.needMoreData, 0) }
            let take = min(remaining, input.count)
            state = take == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - take)
            return (.body(0..<take), take)
        case .chunkDataEnd:
            // RFC 9112 §7.1: chunk-data is followed by CRLF (a lone LF is tolerated, §2.2).
            guard let first = input.first else { return (.needMoreData, 0) }
            if first == HTTPByte.lf {
                state = .chunkLine
                return (.needMoreData, 1)
            }
            guard first == HTTPByte.cr else { return try fail(.invalidChunkTerminator) }
            guard input.count >= 2 else { return (.needMoreData, 0) }
            guard input[1] == HTTPByte.lf else { return try fail(.invalidChunkTerminator) }
            state = .chunkLine
            return (.needMoreData, 2)
        case .trailers:
            return try parseTrailers(input)
        case .end:
            state = .head
            bodyLimit = limits.maxBodySize
            return (.end(trailers: HTTPHeaders()), 0)
        }
    }

    /// Convenience for tests and tools: parses from an array.
    public mutating func parse(_ input: [UInt8]) throws(HTTPParserError) -> (event: HTTPParserEvent, consumed: Int) {
        var result: Result<(event: HTTPParserEvent, consumed: Int), HTTPParserError> = .success((.needMoreData, 0))
        input.withUnsafeBytes { p in
            do throws(HTTPParserError) { result = .success(try parse(p)) } catch { result = .failure(error) }
        }
        return try result.get()
    }

    mutating func fail(_ error: HTTPParserError) throws(HTTPParserError) -> (event: HTTPParserEvent, consumed: Int) {
        state = .failed(error)
        throw error
    }

    // MARK: - Head

    /// Finds the end of the head, line by line from where the last call stopped.
    mutating func parseHead(_ p: UnsafeRawBufferPointer) throws(HTTPParserError) -> (event: HTTPParserEvent, consumed: Int) {
        var base = 0
        if scanOffset == 0 && lineCount == 0 {
            // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request-line.
            while base < p.count {
                if p[base] == HTTPByte.lf {
                    base += 1
                } else if p[base] == HTTPByte.cr {
                    guard base + 1 < p.count else { return (.needMoreData, base) }
                    guard p[base + 1] == HTTPByte.lf else { throw .bareCR }
                    base += 2
                } else {
                    break
                }
            }
        }
        var lineStart = base + scanOffset
        while true {
            guard let lf = Self.findLF(p, from: lineStart) else {
                try checkIncompleteHead(p, base: base, lineStart: lineStart)
                scanOffset = lineStart - base
                return (.needMoreData, base)
            }
            let contentEnd = lf > lineStart && p[lf - 1] == HTTPByte.cr ? lf - 1 : lf
            // Checks run line by line in a fixed order (target length, head size, field
            // count) so the outcome never depends on how the bytes were split.
            if lineCount == 0 && contentEnd - base > limits.maxRequestTargetLength + 64 {
                throw Self.requestLineTooLongError(p, base: base, end: contentEnd, limits: limits)
            }
            guard lf + 1 - base <= limits.maxHeadSize else { throw .headTooLarge }
            if lineCount > 0 && contentEnd == lineStart {
                let headEnd = lf + 1
                let head = try HeadBuilder.build(UnsafeRawBufferPointer(rebasing: p[base..<headEnd]), fieldCount: lineCount - 1, limits: limits)
                scanOffset = 0
                lineCount = 0
                bodyLimit = limits.maxBodySize
                state = .bodyStart(head.framing)
                return (.head(head), headEnd)
            }
            guard lineCount <= limits.maxHeaderFieldCount else { throw .tooManyFields }
            lineCount += 1
            lineStart = lf + 1
        }
    }

    /// Rejects an unfinished head that already exceeds a limit (a slow or endless sender).
    func checkIncompleteHead(_ p: UnsafeRawBufferPointer, base: Int, lineStart: Int) throws(HTTPParserError) {
        if lineCount == 0 {
            // A trailing CR may be the first half of the CRLF: not part of the line yet.
            let end = p.count > base && p[p.count - 1] == HTTPByte.cr ? p.count - 1 : p.count
            if end - base > limits.maxRequestTargetLength + 64 {
                throw Self.requestLineTooLongError(p, base: base, end: end, limits: limits)
            }
        }
        if p.count - base > limits.maxHeadSize { throw .headTooLarge }
    }

    /// 414 when the method is a plausible token and what follows is an overlong target, else 400.
    static func requestLineTooLongError(_ p: UnsafeRawBufferPointer, base: Int, end: Int, limits: HTTPLimits) -> HTTPParserError {
        var i = base
        while i < end && i - base <= 32 && HTTPByte.isTokenChar(p[i]) { i += 1 }
        guard i > base, i < end, p[i] == HTTPByte.sp else { return .invalidRequestLine }
        return .targetTooLong
    }

    @inline(__always)
    static func findLF(_ p: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < p.count, let base = p.baseAddress else { return nil }
        guard let hit = memchr(base + start, Int32(HTTPByte.lf), p.count - start) else { return nil }
        return base.distance(to: UnsafeRawPointer(hit))
    }

    // MARK: - Chunked body (RFC 9112 §7.1)

    mutating func parseChunkLine(_ p: UnsafeRawBufferPointer) throws(HTTPParserError) -> (event: HTTPParserEvent, consumed: Int) {
        guard let lf = Self.findLF(p, from: scanOffset) else {
            guard p.count <= limits.maxChunkLineLength else { return try fail(.invalidChunkExtension) }
            scanOffset = p.count
            return (.needMoreData, 0)
        }
        scanOffset = 0
        guard lf <= limits.maxChunkLineLength else { return try fail(.invalidChunkExtension) }
        let end = lf > 0 && p[lf - 1] == HTTPByte.cr ? lf - 1 : lf
        var i = 0
        var size = 0
        while i < end, let digit = HTTPByte.hexValue(p[i]) {
            // Overflow is a smuggling vector: reject rather than wrap (RFC 9112 §7.1).
            guard size <= (Int.max - Int(digit)) / 16 else { return try fail(.invalidChunkSize) }
            size = size * 16 + Int(digit)
            i += 1
        }
        guard i > 0 else { return try fail(.invalidChunkSize) }
        do {
            try Self.validateChunkExtensions(p, from: i, to: end)
        } catch {
            return try fail(error)
        }
        guard size <= bodyLimit - bodyReceived else { return try fail(.bodyTooLarge) }
        bodyReceived += size
        if size == 0 {
            state = .trailers
            lineCount = 0
        } else {
            state = .chunkData(remaining: size)
        }
        return (.needMoreData, lf + 1)
    }

    /// chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ), values token or quoted-string.
    static func validateChunkExtensions(_ p: UnsafeRawBufferPointer, from start: Int, to end: Int) throws(HTTPParserError) {
        var i = start
        func skipBWS() { while i < end && (p[i] == HTTPByte.sp || p[i] == HTTPByte.htab) { i += 1 } }
        func token() -> Bool {
            let s = i
            while i < end && HTTPByte.isTokenChar(p[i]) { i += 1 }
            return i > s
        }
        while true {
            skipBWS()
            guard i < end else { return }
            guard p[i] == HTTPByte.semicolon else { throw i == start ? .invalidChunkSize : .invalidChunkExtension }
            i += 1
            skipBWS()
            guard token() else { throw .invalidChunkExtension }
            skipBWS()
            guard i < end, p[i] == HTTPByte.equals else { continue }
            i += 1
            skipBWS()
            if i < end && p[i] == HTTPByte.quote {
                i += 1
                var closed = false
                while i < end {
                    let b = p[i]
                    if b == HTTPByte.quote { closed = true; i += 1; break }
                    if b == HTTPByte.backslash { i += 1 }
                    guard i < end, HTTPByte.isFieldValueChar(p[i]) else { throw .invalidChunkExtension }
                    i += 1
                }
                guard closed else { throw .invalidChunkExtension }
            } else {
                guard token() else { throw .invalidChunkExtension }
            }
        }
    }

    mutating func parseTrailers(_ p: UnsafeRawBufferPointer) throws(HTTPParserError) -> (event: HTTPParserEvent, consumed: Int) {
        var lineStart = scanOffset
        while true {
            guard let lf = Self.findLF(p, from: lineStart) else {
                guard p.count <= limits.maxHeadSize else { return try fail(.headTooLarge) }
                scanOffset = lineStart
                return (.needMoreData, 0)
            }
            let contentEnd = lf > lineStart && p[lf - 1] == HTTPByte.cr ? lf - 1 : lf
            guard lf + 1 <= limits.maxHeadSize else { return try fail(.headTooLarge) }
            if contentEnd == lineStart {
                let end = lf + 1
                var trailers = HTTPHeaders()
                if lineCount > 0 {
                    do {
                        trailers = try HeadBuilder.parseFields(UnsafeRawBufferPointer(rebasing: p[0..<end]), count: lineCount)
                    } catch {
                        return try fail(error)
                    }
                }
                scanOffset = 0
                lineCount = 0
                state = .head
                bodyLimit = limits.maxBodySize
                return (.end(trailers: trailers), end)
            }
            lineCount += 1
            guard lineCount <= limits.maxHeaderFieldCount else { return try fail(.tooManyFields) }
            lineStart = lf + 1
        }
    }
}
