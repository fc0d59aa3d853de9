import HTTPKit
import ModelKit

/// One inference request on a resolved model, timed for the model's `InferenceStatistics`
/// (Triton's statistics extension) and for the gateway's record (the access log's model and
/// the inference histogram). Every inference route makes one right after resolving its model:
///
///     var run = InferenceRun(model, context: context)
///     defer { run.finish() }
///     … decode …
///     let outputs = try run.infer(feeds: feeds, outputs: names)
///     … encode …
///     run.answered()
///
/// Four monotonic clock readings per request (handler start, around `Session.run`, answer
/// encoded; two of them the gateway's inference timing took before) and one stripe update:
/// about 0.7% of the CPU time of a one-row `POST /predict` under wrk (perf, 2 cores). The
/// request's arrival is the server's reading of the request head. A request that throws
/// before `answered()` counts as a failure. Not copyable: one per request, counted once.
struct InferenceRun: ~Copyable {
    let model: ServedModel
    private let record: RequestRecord?
    /// When the server had the request head (the handler start when unknown).
    private let received: UInt64
    /// When the handler had the model.
    private let start: UInt64
    private var inferStart: UInt64 = 0
    private var inferEnd: UInt64 = 0
    /// When the answer was encoded; 0 until then.
    private var end: UInt64 = 0
    /// The batch size: the first dimension of the first input (1 for a scalar).
    private var rows = 0

    init(_ model: ServedModel, context: RequestContext) {
        self.model = model
        record = context.storage[RequestRecordKey.self]
        start = MonotonicClock.now()
        received = context.receivedAt != 0 && context.receivedAt <= start ? context.receivedAt : start
    }

    /// Runs the model on named feeds, computing `names` (in that order).
    mutating func infer(feeds: [String: Tensor], outputs names: [String]) throws(ServingError) -> [OutputTensor] {
        let first = feeds.count == 1 ? feeds.first?.value : model.signature.inputs.first.flatMap { feeds[$0.name] }
        rows = first.map(Self.rows) ?? 1
        inferStart = MonotonicClock.now()
        defer { ranModel() }
        return try runInference(model.session, feeds: feeds, outputs: names)
    }

    /// Runs a single-input model on its one input (every output).
    mutating func infer(input: Tensor) throws(ServingError) -> [OutputTensor] {
        rows = Self.rows(input)
        inferStart = MonotonicClock.now()
        defer { ranModel() }
        return try runInference(model.session, inputs: [input], outputNames: model.outputNames)
    }

    /// The answer is encoded: the request succeeded.
    mutating func answered() {
        end = MonotonicClock.now()
    }

    /// Counts the request in the model's statistics: a success if it was answered, else a
    /// failure (also when it failed before running the model).
    func finish() {
        if end != 0 && inferEnd != 0 {
            model.statistics.recordSuccess(received: received, start: start, inferStart: inferStart, inferEnd: inferEnd, end: end, rows: rows)
        } else {
            model.statistics.recordFailure(received: received, end: end != 0 ? end : MonotonicClock.now())
        }
    }

    private mutating func ranModel() {
        inferEnd = MonotonicClock.now()
        record?.noteInference(model, nanos: inferEnd &- inferStart)
    }

    private static func rows(_ tensor: Tensor) -> Int {
        tensor.shape.first ?? 1
    }
}
