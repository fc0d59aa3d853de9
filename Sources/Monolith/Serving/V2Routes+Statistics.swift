#if canImport(Glibc)
import Glibc
#endif
import HTTPKit

/// Triton's statistics extension: `GET /v2/models/stats` (every ready version of every
/// model), `GET /v2/models/{m}/stats` (every ready version of `m`) and
/// `GET /v2/models/{m}/versions/{v}/stats` (one version; `{m}@alias` picks one too), answered
/// as triton-inference-server/server `docs/protocol/extension_statistics.md` describes.
///
/// The figures are those `InferenceStatistics` counted from the requests every inference
/// route served (V2 `infer`, `/predict`, V1 `:predict`, `/invocations`), since the version
/// loaded:
/// - `success`: answered requests, from the request head's arrival to the encoded answer;
///   `fail`: requests that resolved the model and then failed (bad input, model error);
/// - `queue`: from the request head's arrival until the handler had the model (the body's
///   arrival, the worker queue of an offloaded request, the wait for a loading model);
/// - `compute_input`: decoding the body into tensors; `compute_infer`: `Session.run`;
///   `compute_output`: encoding the answer;
/// - `inference_count`: rows (the first dimension of the first input) of the successful
///   requests; `execution_count`: model executions, one per successful request, since
///   requests are never batched together;
/// - `cache_hit` and `cache_miss` are zeros: Monolith has no response cache.
extension V2Routes {
    static func statistics(_ env: ServingEnvironment, _ context: RequestContext) throws -> Response {
        var models: [ServedModel] = []
        if context.parameters["m"] != nil {
            let reference = try reference(context)
            if case .automatic = reference.selector {
                models = readyVersions(env, of: reference.name)
            }
            // A pinned version or an alias, or no version ready: the model's own answer, or
            // the error the metadata route gives (404 unknown, 503 loading or unavailable).
            if models.isEmpty { models = [try env.resolve(reference)] }
        } else {
            for name in env.models.modelNames() { models += readyVersions(env, of: name) }
        }
        var wall = timespec()
        clock_gettime(CLOCK_REALTIME, &wall)
        let wallNanos = UInt64(max(0, wall.tv_sec)) &* 1_000_000_000 &+ UInt64(max(0, wall.tv_nsec))
        let now = MonotonicClock.now()
        return Response.json { json in
            json.beginObject()
            json.key("model_stats")
            json.beginArray()
            for model in models {
                let totals = model.statistics.totals()
                json.beginObject()
                json.key("name"); json.string(model.name)
                json.key("version"); json.string(model.version)
                json.key("last_inference"); json.number(epochMillis(monotonic: totals.lastEnd, now: now, wallNow: wallNanos))
                json.key("inference_count"); json.number(totals.rows)
                json.key("execution_count"); json.number(totals.executions)
                json.key("inference_stats")
                json.beginObject()
                writeDuration("success", totals.success, into: &json)
                writeDuration("fail", totals.fail, into: &json)
                writeDuration("queue", totals.queue, into: &json)
                writeDuration("compute_input", totals.computeInput, into: &json)
                writeDuration("compute_infer", totals.computeInfer, into: &json)
                writeDuration("compute_output", totals.computeOutput, into: &json)
                writeDuration("cache_hit", InferenceStatistics.DurationStat(), into: &json)
                writeDuration("cache_miss", InferenceStatistics.DurationStat(), into: &json)
                json.endObject()
                json.key("batch_stats")
                json.beginArray()
                for batch in totals.batches {
                    json.beginObject()
                    json.key("batch_size"); json.number(batch.batchSize)
                    writeDuration("compute_input", batch.computeInput, into: &json)
                    writeDuration("compute_infer", batch.computeInfer, into: &json)
                    writeDuration("compute_output", batch.computeOutput, into: &json)
                    json.endObject()
                }
                json.endArray()
                json.endObject()
            }
            json.endArray()
            json.endObject()
        }
    }

    /// The loaded versions of `name` ready to serve, ascending.
    static func readyVersions(_ env: ServingEnvironment, of name: String) -> [ServedModel] {
        guard let status = env.models.status(of: name) else { return [] }
        return status.versions.compactMap { version in
            guard version.state == .ready, case .ready(let model) = env.models.lookup(ModelReference(name: name, selector: .version(version.version))) else {
                return nil
            }
            return model
        }
    }

    /// Milliseconds since the epoch of a monotonic reading (0 stays 0: no request yet), by
    /// the offset between the two clocks now.
    static func epochMillis(monotonic: UInt64, now: UInt64, wallNow: UInt64) -> UInt64 {
        guard monotonic != 0 else { return 0 }
        let age = now - min(monotonic, now)
        return wallNow > age ? (wallNow - age) / 1_000_000 : 0
    }

    /// `"key": {"count": …, "ns": …}` (Triton's `$duration_stat`).
    static func writeDuration(_ key: String, _ value: InferenceStatistics.DurationStat, into json: inout JSONWriter) {
        json.key(key)
        json.beginObject()
        json.key("count"); json.number(value.count)
        json.key("ns"); json.number(value.nanos)
        json.endObject()
    }
}
