import HTTPKit

/// How serving handlers tell the gateway which model answered (access log `model.name` /
/// `model.version`). The inference duration reaches the request's record through
/// `InferenceRun`. Both are no-ops when the request carries no `RequestRecord` (gateway off,
/// route tests).
extension RequestContext {
    /// Notes the model that serves this request.
    func noteServedModel(_ model: ServedModel) {
        storage[RequestRecordKey.self]?.model = model
    }
}
