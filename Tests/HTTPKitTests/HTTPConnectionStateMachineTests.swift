import Testing
@testable import HTTPKit

/// The connection policy with a fake clock: no sockets, no sleeping.
@Suite struct HTTPConnectionStateMachineTests {
    static let s: UInt64 = 1_000_000_000
    let timeouts = HTTPConnectionStateMachine.Timeouts(idle: 60 * s, headerRead: 10 * s, bodyStall: 30 * s, writeStall: 20 * s)

    @Test func idleKeepAliveConnectionClosesAfterTheIdleTimeout() {
        var m = HTTPConnectionStateMachine(timeouts: timeouts, now: 0)
        #expect(m.nextDeadline == 60 * Self.s)
        #expect(m.tick(now: 60 * Self.s - 1) == .none)
        #expect(m.tick(now: 60 * Self.s) == .close)
        #expect(m.state == .closed)
    }

    @Test func headerReadTimeoutCountsFromTheFirstByteAndIsNotExtended() {
        var m = HTTPConnectionStateMachine(timeouts: timeouts, now: 0)
        m.requestBytesReceived(now: 5 * Self.s)
        #expect(m.state == .readingHead)
        // A slowloris trickling bytes does not move the deadline.
        m.requestBytesReceived(now: 9 * Self.s)
        m.requestBytesReceived(now: 14 * Self.s)
        #expect(m.nextDeadline == 15 * Self.s)
        #expect(m.tick(now: 14 * Self.s) == .none)
        #expect(m.tick(now: 15 * Self.s) == .timeoutAndClose)
    }

    @Test func bodyStallTimeoutRestartsWithEveryProgress() {
        var m = HTTPConnectionStateMachine(timeouts: timeouts, now: 0)
        m.requestBytesReceived(now: 0)
        m.headReceived(now: 1 * Self.s, expectsBody: true)
        #expect(m.state == .readingBody)
        m.bodyProgress(now: 20 * Self.s)
        #expect(m.tick(now: 49 * Self.s) == .none)
        m.bodyProgress(now: 49 * Self.s)
        #expect(m.tick(now: 78 * Self.s) == .none)
        #expect(m.tick(now: 79 * Self.s) == .timeoutAndClose)
    }

    @Test func processingHasNoReadDeadline() {
        var m = HTTPConnectionStateMachine(timeouts: timeouts, now: 0)
        m.requestBytesReceived(now: 0)
        m.headReceived(now: 0, expectsBody: false)
        #expect(m.state == .processing)
        #expect(m.nextDeadline == nil)
        #expect(m.tick(now: 1_000 * Self.s) == .none)
    }

    @Test func keepAliveReturnsToIdleAndCloseCloses() {
        var m = HTTPConnectionStateMachine(timeouts: timeouts, now: 0)
        m.requestBytesReceived(now: 0)
        m.headReceived(now: 0, expectsBody: false)
        #expect(m.responseComplete(now: 2 * Self.s, keepAlive: true) == .none)
        #expect(m.state == .idle)
        #expect(m.nextDeadline == 62 * Self.s)
        m.requestBytesReceived(now: 3 * Self.s)
        m.headReceived(now: 3 * Self.s, expectsBody: false)
        #expect(m.responseComplete(now: 4 * Self.s, keepAlive: false) == .close)
        #expect(m.state == .closed)
    }

    @Test func pipelinedRequestsRunBackToBack() {
        var m = HTTPConnectionStateMachine(timeouts: timeouts, now: 0)
        for i in 0..<3 {
            m.requestBytesReceived(now: UInt64(i))
            m.headReceived(now: UInt64(i), expectsBody: i == 1)
            if i == 1 { m.bodyProgress(now: UInt64(i)); m.requestComplete() }
            #expect(m.state == .processing)
            #expect(m.responseComplete(now: UInt64(i), keepAlive: true) == .none)
        }
        #expect(m.state == .idle)
    }

    @Test func shutdownClosesIdleConnectionsAtOnce() {
        var m = HTTPConnectionStateMachine(timeouts: timeouts, now: 0)
        #expect(m.shutdown() == .close)
        #expect(m.draining)
    }

    @Test func shutdownLetsTheInFlightExchangeFinishThenCloses() {
        var m = HTTPConnectionStateMachine(timeouts: timeouts, now: 0)
        m.requestBytesReceived(now: 0)
        m.headReceived(now: 0, expectsBody: false)
        #expect(m.shutdown() == .none)
        #expect(m.draining)
        #expect(m.responseComplete(now: 1, keepAlive: true) == .close)
    }

    @Test func writeStallClosesWhenTheClientStopsReading() {
        var m = HTTPConnectionStateMachine(timeouts: timeouts, now: 0)
        m.outputPending(now: 0, progressed: false)
        m.outputPending(now: 10 * Self.s, progressed: false)
        #expect(m.nextDeadline == 20 * Self.s)
        m.outputPending(now: 15 * Self.s, progressed: true)
        #expect(m.tick(now: 34 * Self.s) == .none)
        #expect(m.tick(now: 35 * Self.s) == .close)
        var drained = HTTPConnectionStateMachine(timeouts: timeouts, now: 0)
        drained.outputPending(now: 0, progressed: false)
        drained.outputDrained()
        #expect(drained.nextDeadline == 60 * Self.s)
    }

    @Test func peerCloseWhileProcessingDrainsInsteadOfClosing() {
        var m = HTTPConnectionStateMachine(timeouts: timeouts, now: 0)
        m.requestBytesReceived(now: 0)
        m.headReceived(now: 0, expectsBody: false)
        #expect(m.peerClosed() == .none)
        #expect(m.responseComplete(now: 1, keepAlive: true) == .close)
        var idle = HTTPConnectionStateMachine(timeouts: timeouts, now: 0)
        #expect(idle.peerClosed() == .close)
    }
}
