import HTTPKit
import ModelKit

/// How serving handlers tell the gateway which model answered and how long inference took
/// (access log `model.name` / `model.version`, the inference histogram per model and
/// version). Both are no-ops when the request carries no `RequestRecord` (gateway off,
/// route tests).
extension RequestContext {
    /// Notes the model that serves this request.
    func noteServedModel(_ model: ServedModel) {
        storage[RequestRecordKey.self]?.model = model
    }
}

/// Runs `model`'s session like `runInference(_:feeds:outputs:)` and notes the model and the
/// run's duration in the request's record.
func runInference(_ model: ServedModel, feeds: [String: Tensor], outputs names: [String], context: RequestContext) throws(ServingError) -> [OutputTensor] {
    try timedInference(model, context) { () throws(ServingError) in try runInference(model.session, feeds: feeds, outputs: names) }
}

/// Runs a single-input model on its one input (every output), noted like the named form.
func runInference(_ model: ServedModel, input: Tensor, context: RequestContext) throws(ServingError) -> [OutputTensor] {
    try timedInference(model, context) { () throws(ServingError) in try runInference(model.session, inputs: [input], outputNames: model.outputNames) }
}

private func timedInference(_ model: ServedModel, _ context: RequestContext, _ run: () throws(ServingError) -> [OutputTensor]) throws(ServingError) -> [OutputTensor] {
    guard let record = context.storage[RequestRecordKey.self] else { return try run() }
    let start = MonotonicClock.now()
    defer { record.noteInference(model, nanos: MonotonicClock.now() &- start) }
    return try run()
}
