import CLinux
import Glibc

/// A fixed set of threads running offloaded handlers and response producers, so slow
/// work (uploads, model loads) never stalls an event loop.
final class WorkerPool: @unchecked Sendable {
    private let lock = ConditionLock()
    // Guarded by `lock`:
    private var jobs: [@Sendable () -> Void] = []
    private var head = 0
    private var stopping = false
    private var threads: [pthread_t] = []

    init(threadCount: Int, name: String) {
        for i in 0..<max(1, threadCount) {
            if let thread = NativeThread.start(name: "\(name)-\(i)", { [self] in self.work() }) {
                threads.append(thread)
            }
        }
    }

    /// Queues `job` for a worker thread.
    func submit(_ job: @escaping @Sendable () -> Void) {
        lock.withLock {
            jobs.append(job)
            lock.signal()
        }
    }

    /// Lets the workers exit once the queue is empty; does not wait for running jobs.
    func shutdown() {
        lock.withLock {
            stopping = true
            lock.broadcast()
        }
        for thread in threads { pthread_detach(thread) }
        threads = []
    }

    private func work() {
        while true {
            let job: (@Sendable () -> Void)? = lock.withLock {
                while head == jobs.count && !stopping { lock.wait() }
                guard head < jobs.count else { return nil }
                let job = jobs[head]
                head += 1
                if head == jobs.count {
                    jobs.removeAll(keepingCapacity: true)
                    head = 0
                }
                return job
            }
            guard let job else { return }
            job()
        }
    }
}

/// Starts pthreads running Swift closures.
enum NativeThread {
    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Starts a joinable thread; nil if the system refused.
    static func start(name: String, _ body: @escaping () -> Void) -> pthread_t? {
        let box = Unmanaged.passRetained(Box {
            clinux_set_current_thread_name(name)
            body()
        }).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let box = Unmanaged<Box>.fromOpaque(raw).takeRetainedValue()
            box.body()
            return nil
        }, box)
        guard rc == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            return nil
        }
        return thread
    }
}
