import CLinux
import Glibc

/// Everything the server needs to know to run: address, threads, limits, timeouts.
public struct ServerConfiguration: Sendable {
    /// The address to listen on: an IPv4 or IPv6 literal, or `localhost`.
    public var host: String
    /// The TCP port; 0 picks a free one (read it back from `HTTPServer.port`).
    public var port: Int
    /// Event loops (threads, each with its own epoll and SO_REUSEPORT listener); default:
    /// one per CPU the process may run on.
    public var loopCount: Int
    /// Worker threads for offloaded handlers and streaming response producers.
    public var workerCount: Int
    /// Parser limits (target, head, field count, body).
    public var limits: HTTPLimits
    /// Keep-alive idle timeout.
    public var idleTimeout: Duration
    /// Time allowed for a complete head after its first byte (slowloris guard).
    public var headerReadTimeout: Duration
    /// Time allowed between body bytes.
    public var bodyStallTimeout: Duration
    /// Time allowed without write progress while output is pending.
    public var writeStallTimeout: Duration
    /// Open connections above which new ones get a 503 and are closed.
    public var maxConnections: Int
    /// Unsent output per connection above which it stops reading and processing until
    /// the client catches up (back-pressure).
    public var maxPendingOutput: Int
    /// Buffered bytes of a streaming request body above which the loop stops reading.
    public var streamingBodyHighWater: Int
    /// How long in-flight requests may take to finish after shutdown begins.
    public var shutdownGrace: Duration
    /// Install SIGTERM/SIGINT handlers that begin a graceful shutdown (a process-wide
    /// setting: enable it for the process's main server only).
    public var handleSignals: Bool
    /// The listen(2) backlog.
    public var backlog: Int32
    /// Send the answers of one epoll batch in one system call (io_uring) when the kernel
    /// allows it; otherwise, or when false, each answer is sent with its own send(2).
    public var batchedSends: Bool

    public init(
        host: String = "0.0.0.0", port: Int = 8000, loopCount: Int? = nil, workerCount: Int? = nil,
        limits: HTTPLimits = HTTPLimits(), idleTimeout: Duration = .seconds(60), headerReadTimeout: Duration = .seconds(10),
        bodyStallTimeout: Duration = .seconds(30), writeStallTimeout: Duration = .seconds(60),
        maxConnections: Int = 10_000, maxPendingOutput: Int = 1 << 20, streamingBodyHighWater: Int = 1 << 20,
        shutdownGrace: Duration = .seconds(10), handleSignals: Bool = false, backlog: Int32 = 1024,
        batchedSends: Bool = true
    ) {
        let cores = Int(clinux_available_cpus())
        self.host = host
        self.port = port
        self.loopCount = max(1, loopCount ?? cores)
        self.workerCount = max(1, workerCount ?? max(2, cores))
        self.limits = limits
        self.idleTimeout = idleTimeout
        self.headerReadTimeout = headerReadTimeout
        self.bodyStallTimeout = bodyStallTimeout
        self.writeStallTimeout = writeStallTimeout
        self.maxConnections = maxConnections
        self.maxPendingOutput = maxPendingOutput
        self.streamingBodyHighWater = streamingBodyHighWater
        self.shutdownGrace = shutdownGrace
        self.handleSignals = handleSignals
        self.backlog = backlog
        self.batchedSends = batchedSends
    }

    /// The timeouts in the state machine's nanoseconds.
    var timeouts: HTTPConnectionStateMachine.Timeouts {
        .init(idle: idleTimeout.nanoseconds, headerRead: headerReadTimeout.nanoseconds,
              bodyStall: bodyStallTimeout.nanoseconds, writeStall: writeStallTimeout.nanoseconds)
    }
}

extension Duration {
    /// Whole nanoseconds, clamped to 0 ... UInt64.max.
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (s, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return .max }
        return s &+ UInt64(max(0, attoseconds) / 1_000_000_000)
    }
}
