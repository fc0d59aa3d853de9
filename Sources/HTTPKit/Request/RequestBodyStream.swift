/// A request body delivered while the handler runs: a blocking reader on a worker thread,
/// fed by the event loop with back-pressure.
///
/// The loop stops reading the socket while `highWater` bytes or more wait here and resumes
/// when the reader has drained to half of it, so an upload can be written to disk without
/// holding it in memory. The loop feeds nothing until the first `read` — which is when a
/// `100 Continue` is sent to a client that asked for one (RFC 9110 §10.1.1).
public final class RequestBodyStream: @unchecked Sendable {
    private let lock = ConditionLock()
    // Guarded by `lock`:
    private var chunks: [[UInt8]] = []
    private var head = 0
    private var buffered = 0
    private var finished = false
    private var failure: (any Error)?
    private var producerPaused = true
    private var abandoned = false
    private let highWater: Int
    private let onDemand: @Sendable () -> Void

    private enum Step {
        case chunk([UInt8], wake: Bool)
        case end
        case failed(any Error)
        case demand
        case retry
    }

    /// Creates a stream; `onDemand` is called (from the reader's thread, outside the lock)
    /// when the producer should resume feeding.
    public init(highWater: Int = 1 << 20, onDemand: @escaping @Sendable () -> Void) {
        self.highWater = max(1, highWater)
        self.onDemand = onDemand
    }

    /// A stream already holding all of `bytes` (for tests and tools).
    public convenience init(bytes: [UInt8]) {
        self.init(onDemand: {})
        _ = append(bytes)
        finish()
    }

    /// Reads the next chunk (at most 64 KiB, one socket read), blocking until one arrives;
    /// nil at the end of the body.
    /// Throws when the client went away or broke a limit (the error knows its status).
    public func read() throws -> [UInt8]? {
        while true {
            let step: Step = lock.withLock {
                if head < chunks.count {
                    let chunk = chunks[head]
                    chunks[head] = []
                    head += 1
                    if head == chunks.count {
                        chunks.removeAll(keepingCapacity: true)
                        head = 0
                    }
                    buffered -= chunk.count
                    var wake = false
                    if producerPaused && buffered <= highWater / 2 && !finished && failure == nil {
                        producerPaused = false
                        wake = true
                    }
                    return .chunk(chunk, wake: wake)
                }
                if let failure { return .failed(failure) }
                if finished { return .end }
                if producerPaused {
                    producerPaused = false
                    return .demand
                }
                lock.wait()
                return .retry
            }
            switch step {
            case .chunk(let chunk, let wake):
                if wake { onDemand() }
                return chunk
            case .end: return nil
            case .failed(let error): throw error
            case .demand: onDemand()
            case .retry: continue
            }
        }
    }

    /// Appends bytes from the loop; returns false when the loop should stop feeding.
    func append(_ bytes: [UInt8]) -> Bool {
        lock.withLock {
            guard !abandoned else { return true }
            if !bytes.isEmpty {
                chunks.append(bytes)
                buffered += bytes.count
                lock.signal()
            }
            if buffered >= highWater { producerPaused = true }
            return !producerPaused
        }
    }

    /// True when the loop may feed more (the reader asked and the buffer is below the mark).
    var wantsData: Bool {
        lock.withLock { !producerPaused || abandoned }
    }

    /// Marks the end of the body.
    func finish() {
        lock.withLock {
            finished = true
            lock.signal()
        }
    }

    /// Fails the pending and future reads with `error` (client gone, limit, timeout).
    func fail(_ error: any Error) {
        lock.withLock {
            if !finished && failure == nil { failure = error }
            lock.signal()
        }
    }

    /// The handler is done: drop what is buffered and ignore further input.
    func abandon() {
        lock.withLock {
            abandoned = true
            chunks.removeAll()
            head = 0
            buffered = 0
        }
    }
}
