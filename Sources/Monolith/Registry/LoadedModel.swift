import HTTPKit
import ModelKit
import StoreKitLite

/// One loaded, validated model version: what a request runs.
///
/// Immutable and shared by every request that resolved it. A request keeps it alive by
/// holding it (a strong reference): when a version is replaced or removed, the snapshot
/// that listed it is released, and the session is freed by ARC once the last in-flight
/// request that resolved it returns — "retires after its in-flight requests finish"
/// without any bookkeeping.
final class LoadedModel: Sendable {
    /// The model's name.
    let name: String
    /// The version number.
    let version: Int64
    /// The loaded session (thread-safe: any number of concurrent `run`s).
    let session: Session
    /// The artifact's SHA-256, verified when it was loaded.
    let sha256: SHA256Digest
    /// The artifact's size in bytes.
    let size: Int64
    /// The version's metadata (a seed `metadata.json`: metrics, params, training info), if any.
    let metadata: JSONValue?
    /// Where the file came from.
    let source: VersionSource
    /// The version as protocols print it: `"3"`.
    let versionString: String
    /// The serving routes' view of it (signature computed once), handed out by lookups
    /// without allocating.
    let served: ServedModel

    init(name: String, version: Int64, session: Session, sha256: SHA256Digest, size: Int64,
         metadata: JSONValue?, source: VersionSource) {
        self.name = name
        self.version = version
        self.session = session
        self.sha256 = sha256
        self.size = size
        self.metadata = metadata
        self.source = source
        self.versionString = String(version)
        self.served = ServedModel(name: name, version: String(version), session: session)
    }

    /// The inputs a caller must feed, in graph order.
    var inputs: [ValueDescription] { session.inputs }
    /// The outputs, in graph order.
    var outputs: [ValueDescription] { session.outputs }

    /// The signature as stored with the version and returned by uploads:
    /// `{"inputs":[{"name","datatype","shape","type"}],"outputs":[...]}` with V2 datatype
    /// names, -1 for variable dimensions, and the ONNX type text for non-tensors.
    static func signatureJSON(inputs: [ValueDescription], outputs: [ValueDescription]) -> String {
        var w = JSONWriter()
        w.beginObject()
        for (key, list) in [("inputs", inputs), ("outputs", outputs)] {
            w.key(key)
            w.beginArray()
            for value in list { writeSignature(value, into: &w) }
            w.endArray()
        }
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// Writes one signature entry.
    static func writeSignature(_ value: ValueDescription, into w: inout JSONWriter) {
        w.beginObject()
        w.key("name")
        w.string(value.name)
        w.key("datatype")
        w.string(value.elementType.v2Name ?? value.elementType.onnxName.uppercased())
        w.key("shape")
        if let shape = value.shape {
            w.numbers(shape)
        } else {
            w.null()
        }
        w.key("type")
        w.string(value.type.description)
        w.endObject()
    }
}
