@testable import HTTPKit

/// Runs requests through a responder without a socket (Hummingbird's RouterTestFramework idea).
struct RouterHarness {
    let responder: RouterResponder
    let logs = InMemoryLogHandler()

    init(_ build: (Router) -> Void) throws {
        let router = Router()
        build(router)
        responder = try router.buildResponder()
    }

    /// Sends `method target` through prepare + respond, as the server does.
    func send(_ method: HTTPMethod, _ target: String, headers: HTTPHeaders = ["Host": "test"], body: [UInt8] = []) -> (Response, RequestContext) {
        let request = Request(method: method, target: target, headers: headers, body: .bytes(body))
        let head = RequestHead(method: method, target: target, path: request.path, query: nil, version: .http1_1, headers: headers)
        var context = RequestContext(logger: Logger(label: "test", handler: logs, logLevel: .trace), requestID: "test-id")
        _ = responder.prepare(head, context: &context)
        let response = responder.respond(to: request, context: &context)
        return (response, context)
    }

    func options(_ method: HTTPMethod, _ path: String) -> RouteOptions {
        let head = RequestHead(method: method, target: path, path: path, query: nil, version: .http1_1, headers: ["Host": "t"])
        var context = RequestContext(logger: .disabled(), requestID: "x")
        return responder.prepare(head, context: &context)
    }
}

extension Response {
    var bodyText: String {
        if case .bytes(let b) = body { return String(decoding: b, as: UTF8.self) }
        return ""
    }
}
