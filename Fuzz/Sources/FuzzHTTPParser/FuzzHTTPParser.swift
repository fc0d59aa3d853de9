import HTTPKit

/// One fuzz input: the request parser, fed the input whole and in pieces, must never
/// crash, must stay within its limits, and must produce the same requests (or the same
/// error) however the bytes are split. Parsed requests also go through query parsing,
/// path decoding and a router.
func fuzzHTTPParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let control = data[0]
    let input = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    // Small limits half the time, so the limit paths are reached with short inputs.
    let limits = control & 1 == 0
        ? HTTPLimits()
        : HTTPLimits(maxRequestTargetLength: 64, maxHeadSize: 256, maxHeaderFieldCount: 4, maxBodySize: 64, maxChunkLineLength: 32)
    let pieceSize = Int(control >> 1) % 17 + 1

    let whole = FuzzRun(input, pieceSize: input.count, limits: limits)
    let pieces = FuzzRun(input, pieceSize: pieceSize, limits: limits)
    let single = FuzzRun(input, pieceSize: 1, limits: limits)
    guard whole == pieces, whole == single else {
        preconditionFailure("parser result depends on how the input is split: \(whole) vs \(pieces) vs \(single)")
    }
    for request in whole.requests {
        precondition(request.body.bytes.count <= limits.maxBodySize, "body over the limit")
        precondition(request.target.utf8.count <= limits.maxRequestTargetLength, "target over the limit")
        _ = request.pathSegments
        _ = request.query.pairs.count
        var context = RequestContext(logger: .disabled(), requestID: "fuzz")
        let response = FuzzRouter.responder.respond(to: request, context: &context)
        precondition((200..<600).contains(response.status.code), "bad status")
    }
    return 0
}

/// The outcome of parsing one input with one way of splitting it.
struct FuzzRun: Equatable, CustomStringConvertible {
    struct Summary: Equatable {
        var method: String
        var target: String
        var fields: [String]
        var body: [UInt8]
        var trailers: [String]
        var keepAlive: Bool
    }

    var summaries: [Summary] = []
    var requests: [Request] = []
    var error: HTTPParserError?

    init(_ input: [UInt8], pieceSize: Int, limits: HTTPLimits) {
        var parser = HTTPRequestParser(limits: limits)
        var buffer: [UInt8] = []
        var head: RequestHead?
        var body: [UInt8] = []
        var offset = 0
        feeding: while true {
            let end = min(input.count, offset + max(1, pieceSize))
            buffer += input[offset..<end]
            let last = end == input.count
            offset = end
            while true {
                let event: HTTPParserEvent
                let consumed: Int
                do {
                    (event, consumed) = try parser.parse(buffer)
                } catch {
                    self.error = error
                    break feeding
                }
                precondition(consumed >= 0 && consumed <= buffer.count, "consumed out of range")
                switch event {
                case .needMoreData:
                    break
                case .head(let h):
                    head = h
                    body = []
                case .body(let range):
                    precondition(range.lowerBound >= 0 && range.upperBound <= consumed, "body range out of bounds")
                    body += buffer[range]
                case .end(let trailers):
                    if let h = head {
                        summaries.append(Summary(
                            method: h.method.rawValue, target: h.target,
                            fields: h.headers.map { "\($0.name): \($0.value)" }, body: body,
                            trailers: trailers.map { "\($0.name): \($0.value)" }, keepAlive: h.keepAlive))
                        requests.append(Request(head: h, body: .bytes(body), trailers: trailers))
                    }
                    head = nil
                }
                buffer.removeFirst(consumed)
                if case .needMoreData = event { break }
            }
            if last { break }
        }
    }

    static func == (lhs: FuzzRun, rhs: FuzzRun) -> Bool {
        lhs.summaries == rhs.summaries && lhs.error == rhs.error
    }

    var description: String { "\(summaries.count) requests, error \(error.map { "\($0)" } ?? "none")" }
}

enum FuzzRouter {
    static let responder: RouterResponder = {
        let router = Router()
        router.get("/health") { _, _ in .text("ok") }
        router.post("/v1/models/{m}:predict") { _, context in .text(try context.parameters.require("m")) }
        router.get("/v2/models/{m}/versions/{v}") { request, context in
            .text("\(try context.parameters.require("v", as: Int.self)) \(request.query.count)")
        }
        router.get("/api/2.0/mlflow/runs/get") { request, _ in .text(request.query["run_id"] ?? "") }
        do {
            return try router.buildResponder()
        } catch {
            preconditionFailure("fuzz router: \(error)")
        }
    }()
}
