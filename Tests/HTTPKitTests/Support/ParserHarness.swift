@testable import HTTPKit

/// A request as the parser delivered it: head, reassembled body, trailers.
struct ParsedRequest {
    var head: RequestHead
    var body: [UInt8]
    var trailers: HTTPHeaders
}

/// How input is handed to the parser (NIO's ByteToMessageDecoderVerifier feeds all three).
enum Feed: CaseIterable, CustomStringConvertible {
    case whole, byteByByte, sevenBytes

    var description: String {
        switch self {
        case .whole: "whole"
        case .byteByByte: "byte-by-byte"
        case .sevenBytes: "7-byte pieces"
        }
    }

    func pieces(_ input: [UInt8]) -> [[UInt8]] {
        switch self {
        case .whole: return [input]
        case .byteByByte: return input.map { [$0] }
        case .sevenBytes: return stride(from: 0, to: input.count, by: 7).map { Array(input[$0..<min($0 + 7, input.count)]) }
        }
    }
}

/// Runs the parser over `input` fed as `feed`, honouring the consumed-bytes contract.
func parse(_ input: [UInt8], feed: Feed, limits: HTTPLimits = HTTPLimits(), bodyLimit: Int? = nil) -> (requests: [ParsedRequest], error: HTTPParserError?) {
    var parser = HTTPRequestParser(limits: limits)
    var buffer: [UInt8] = []
    var requests: [ParsedRequest] = []
    var current: ParsedRequest?
    for piece in feed.pieces(input) + [[]] {
        buffer += piece
        while true {
            let event: HTTPParserEvent
            let consumed: Int
            do {
                (event, consumed) = try parser.parse(buffer)
            } catch {
                return (requests, error)
            }
            switch event {
            case .needMoreData:
                break
            case .head(let head):
                current = ParsedRequest(head: head, body: [], trailers: HTTPHeaders())
                if let bodyLimit { parser.bodyLimit = bodyLimit }
            case .body(let range):
                current?.body += buffer[range]
            case .end(let trailers):
                if var request = current {
                    request.trailers = trailers
                    requests.append(request)
                }
                current = nil
            }
            buffer.removeFirst(consumed)
            if case .needMoreData = event { break }
        }
    }
    return (requests, nil)
}

func parse(_ text: String, feed: Feed, limits: HTTPLimits = HTTPLimits(), bodyLimit: Int? = nil) -> (requests: [ParsedRequest], error: HTTPParserError?) {
    parse(Array(text.utf8), feed: feed, limits: limits, bodyLimit: bodyLimit)
}

extension ParsedRequest {
    var bodyText: String { String(decoding: body, as: UTF8.self) }
}
