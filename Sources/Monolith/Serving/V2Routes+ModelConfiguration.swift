import HTTPKit
import ModelKit

/// Triton's model configuration extension: `GET /v2/models/{m}[/versions/{v}]/config` answers
/// the resolved version's configuration as the JSON form of `ModelConfig`
/// (triton-inference-server/server `docs/protocol/extension_model_configuration.md`,
/// triton-inference-server/common `protobuf/model_config.proto`).
///
/// What is stated is what Monolith does: every stored version that loaded is served
/// (`version_policy: {"all": {}}`); requests are never batched together, so
/// `max_batch_size` is 0 and `dims` are the full shapes, batch dimension included, with -1
/// for a variable dimension (as Triton writes them for a model with `max_batch_size: 0`).
/// `platform` and `backend` are the names Triton gives an ONNX model, which is what clients
/// and tools branch on; the graph runs on Monolith's own runtime (ModelKit).
extension V2Routes {
    static func modelConfiguration(_ env: ServingEnvironment, _ context: RequestContext) throws -> Response {
        let model = try env.resolve(reference(context), waiting: context)
        return Response.json { json in
            json.beginObject()
            json.key("name"); json.string(model.name)
            json.key("platform"); json.string("onnxruntime_onnx")
            json.key("backend"); json.string("onnxruntime")
            json.key("version_policy")
            json.beginObject()
            json.key("all"); json.beginObject(); json.endObject()
            json.endObject()
            json.key("max_batch_size"); json.number(0)
            json.key("input"); writeConfigTensors(model.signature.inputs, into: &json)
            json.key("output"); writeConfigTensors(model.signature.outputs, into: &json)
            json.endObject()
        }
    }

    /// `[{"name", "data_type", "dims"}]`; an unknown rank is written `[-1]`, as the metadata
    /// route writes its shape.
    static func writeConfigTensors(_ tensors: [TensorSignature], into json: inout JSONWriter) {
        json.beginArray()
        for tensor in tensors {
            json.beginObject()
            json.key("name"); json.string(tensor.name)
            json.key("data_type"); json.string(configDataType(tensor.dataType))
            json.key("dims"); json.numbers(tensor.shape ?? [-1])
            json.endObject()
        }
        json.endArray()
    }

    /// The `DataType` enumerator of model_config.proto: `TYPE_` and the V2 datatype name,
    /// except BYTES, which the configuration calls `TYPE_STRING`.
    static func configDataType(_ type: DataType) -> String {
        guard let name = type.v2Name else { return "TYPE_INVALID" }
        return name == "BYTES" ? "TYPE_STRING" : "TYPE_" + name
    }
}
