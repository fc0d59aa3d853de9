import Glibc
import Testing
@testable import HTTPKit

/// Many connections answered in the same epoll batch, with the batch's answers sent in one
/// io_uring submission (`batchedSends`) and one send each: every client gets its own answers,
/// whole and in order, including answers larger than the socket buffer or the staging buffer.
@Suite(.serialized) struct LoopbackBatchedSendTests {
    static func routes(_ r: Router) {
        r.post("/echo") { request, _ in Response(status: .ok, body: .bytes(request.body.bytes)) }
        r.get("/bytes/{count}") { _, context in
            let count = try context.parameters.require("count", as: Int.self)
            return Response(body: .bytes((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ count) }))
        }
    }

    @Test(arguments: [true, false]) func concurrentClientsEachGetTheirOwnAnswers(batched: Bool) throws {
        let server = try TestServer(configure: { $0.batchedSends = batched }, routes: Self.routes)
        defer { server.stop() }
        let sockets = try (0..<24).map { _ in try server.connect() }
        for round in 0..<40 {
            // All requests are out before any answer is read, so the loops see several
            // connections readable at once.
            for (i, socket) in sockets.enumerated() {
                let body = "client \(i) round \(round)"
                try socket.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            }
            for (i, socket) in sockets.enumerated() {
                let response = try #require(try socket.readResponses(1).first)
                #expect(response.status == 200)
                #expect(response.bodyText == "client \(i) round \(round)")
            }
        }
    }

    @Test(arguments: [true, false]) func largeAnswersToSlowReadersArriveWhole(batched: Bool) throws {
        let server = try TestServer(configure: { $0.batchedSends = batched }, routes: Self.routes)
        defer { server.stop() }
        // Sizes below and above the staging buffer, and well above a socket's send buffer.
        let sizes = [300, 90_000, 200_000, SendRing.stagingSize + 5_000, 1_500_000, 40]
        let sockets = try sizes.map { _ in try server.connect(timeout: .seconds(60)) }
        for (socket, size) in zip(sockets, sizes) {
            // Two pipelined requests: the second answer must follow the first, whole.
            try socket.send("GET /bytes/\(size) HTTP/1.1\r\nHost: t\r\n\r\nGET /bytes/\(size / 2) HTTP/1.1\r\nHost: t\r\n\r\n")
        }
        usleep(50_000)  // let every send run into a full socket buffer before anyone reads
        for (socket, size) in zip(sockets, sizes) {
            let responses = try socket.readResponses(2)
            #expect(responses.count == 2)
            for (response, count) in zip(responses, [size, size / 2]) {
                #expect(response.status == 200)
                #expect(response.body == (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ count) })
            }
        }
    }
}
