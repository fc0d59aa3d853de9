import CLinux
import Glibc
import Synchronization

/// The HTTP/1.1 server: one epoll event loop per core, each with its own SO_REUSEPORT
/// listener, plus a worker pool for offloaded handlers.
///
/// ```swift
/// let server = try HTTPServer(configuration: config, responder: router.buildResponder(), logger: logger)
/// try server.run()          // blocks until shutdown() or SIGTERM/SIGINT (handleSignals)
/// ```
/// Listeners are bound in `init`, so `port` is known at once (ask for port 0 in tests).
public final class HTTPServer: Sendable {
    public let configuration: ServerConfiguration
    /// The port the listeners are bound to.
    public let port: Int
    private let responder: any HTTPResponder
    private let logger: Logger
    private let listeners: [Int32]
    private let shutdownFD: Int32
    private let started = Atomic<Bool>(false)

    /// Binds the listeners; throws if the address is invalid or in use.
    public init(configuration: ServerConfiguration, responder: some HTTPResponder, logger: Logger) throws(ServerError) {
        self.configuration = configuration
        self.responder = responder
        self.logger = logger
        var fds: [Int32] = []
        var port = configuration.port
        guard (0...65535).contains(port) else { throw ServerError("bind (port \(port))", errno: EINVAL) }
        if port != 0 && clinux_port_in_use(configuration.host, Int32(port)) == 1 {
            throw ServerError("listen on \(configuration.host):\(port)", errno: EADDRINUSE)
        }
        for _ in 0..<configuration.loopCount {
            let fd = clinux_tcp_listen(configuration.host, Int32(port), configuration.backlog, 1)
            guard fd >= 0 else {
                for f in fds { Glibc.close(f) }
                throw ServerError("listen on \(configuration.host):\(port)", errno: -fd)
            }
            fds.append(fd)
            if port == 0 {
                let bound = clinux_bound_port(fd)
                guard bound > 0 else {
                    for f in fds { Glibc.close(f) }
                    throw ServerError("getsockname", errno: -bound)
                }
                port = Int(bound)
            }
        }
        let shutdownFD = clinux_eventfd()
        guard shutdownFD >= 0 else {
            for f in fds { Glibc.close(f) }
            throw ServerError("eventfd", errno: errno)
        }
        self.listeners = fds
        self.port = port
        self.shutdownFD = shutdownFD
    }

    deinit {
        Glibc.close(shutdownFD)
        // Listeners belong to the loops once `run` started; close them if it never did.
        if !started.load(ordering: .acquiring) {
            for fd in listeners { Glibc.close(fd) }
        }
    }

    /// Serves until `shutdown()` (or SIGTERM/SIGINT with `handleSignals`), then drains:
    /// stops accepting, closes idle connections, lets in-flight requests finish within
    /// `shutdownGrace`, closes the rest, and returns.
    public func run() throws(ServerError) {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else {
            throw ServerError("run (already running)", errno: EBUSY)
        }
        signal(SIGPIPE, SIG_IGN)
        if configuration.handleSignals {
            let rc = clinux_install_shutdown_signals(shutdownFD)
            guard rc == 0 else { throw ServerError("sigaction", errno: -rc) }
        }
        defer { if configuration.handleSignals { clinux_reset_shutdown_signals() } }

        let pool = WorkerPool(threadCount: configuration.workerCount, name: "http-worker")
        let counter = ConnectionCounter()
        var loops: [EventLoop] = []
        for fd in listeners {
            do {
                loops.append(try EventLoop(listenFD: fd, configuration: configuration, responder: responder,
                                           logger: logger, pool: pool, counter: counter))
            } catch {
                pool.shutdown()
                throw error
            }
        }
        var threads: [pthread_t] = []
        for (i, loop) in loops.enumerated() {
            if let thread = NativeThread.start(name: "http-loop-\(i)", { loop.run() }) {
                threads.append(thread)
            }
        }
        logger.info("server started", metadata: [
            "server.host": .string(configuration.host), "server.port": .int(port), "server.loops": .int(loops.count),
        ])

        waitForShutdownRequest()
        let grace = configuration.shutdownGrace.nanoseconds
        logger.info("server draining", metadata: ["server.grace_ms": .int(Int(grace / 1_000_000))])
        let deadline = MonotonicClock.now() &+ grace
        for loop in loops { loop.inbox.post(.shutdown(deadline: deadline)) }
        for thread in threads { pthread_join(thread, nil) }
        pool.shutdown()
        logger.info("server stopped")
    }

    /// Begins a graceful shutdown (from any thread; also before `run`).
    public func shutdown() {
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { Glibc.write(shutdownFD, $0.baseAddress, 8) }
    }

    private func waitForShutdownRequest() {
        var pfd = pollfd(fd: shutdownFD, events: Int16(POLLIN), revents: 0)
        while true {
            let r = poll(&pfd, 1, -1)
            if r > 0 { return }
            if r < 0 && errno != EINTR { return }
        }
    }
}
