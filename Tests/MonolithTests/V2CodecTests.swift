import HTTPKit
import ModelKit
import Testing
@testable import Monolith

@Suite("V2 inference codec")
struct V2CodecTests {
    let affine: Session
    let affineSignature: ModelSignature
    let types: Session
    let typesSignature: ModelSignature

    init() throws {
        affine = try ServingFixtures.session("affine.onnx")
        affineSignature = ModelSignature(session: affine)
        types = try ServingFixtures.session("identity_types.onnx")
        typesSignature = ModelSignature(session: types)
    }

    func decode(_ json: String, signature: ModelSignature? = nil, limits: ServingLimits = .default) throws -> V2InferenceRequest {
        try V2InferenceRequest.decode(body: Array(json.utf8), headerLength: nil, signature: signature ?? affineSignature, limits: limits)
    }

    func infer(_ request: V2InferenceRequest, _ session: Session, _ signature: ModelSignature) throws -> V2InferenceResponse {
        let outputs = try runInference(session, feeds: request.feeds, outputs: try request.outputNames(signature))
        return try V2InferenceResponse(modelName: "m", modelVersion: "3", request: request, outputs: outputs)
    }

    @Test func signatureUsesMinusOneForVariableDimensions() {
        #expect(affineSignature.inputs == [TensorSignature(name: "input", dataType: .float, shape: [-1, 3])])
        #expect(affineSignature.outputs.first?.summary == "FP32 [-1, 1]")
    }

    @Test func flatAndNestedDataGiveTheSameTensor() throws {
        let flat = try decode(#"{"inputs":[{"name":"input","shape":[2,3],"datatype":"FP32","data":[1,2,3,4,5,6.5]}]}"#)
        let nested = try decode(#"{"inputs":[{"name":"input","shape":[2,3],"datatype":"FP32","data":[[1,2,3],[4,5,6.5]]}]}"#)
        let expected = try Tensor(shape: [2, 3], elements: [Float(1), 2, 3, 4, 5, 6.5])
        #expect(flat.feeds["input"] == expected)
        #expect(nested.feeds["input"] == expected)
    }

    @Test func responseEchoesIdAndWritesFlatData() throws {
        let request = try decode(#"{"id":"42","inputs":[{"name":"input","shape":[2,3],"datatype":"FP32","data":[[1,0,0],[0,1,1]]}]}"#)
        let response = try infer(request, affine, affineSignature)
        #expect(response.headerLength == nil)
        let json = try parseJSON(response.body)
        #expect(json["id"] == .string("42"))
        #expect(json["model_name"] == .string("m"))
        #expect(json["model_version"] == .string("3"))
        let output = try #require(json["outputs"]?.array?.first)
        #expect(output["name"] == .string("output"))
        #expect(output["datatype"] == .string("FP32"))
        #expect(output["shape"] == .array([.integer(2), .integer(1)]))
        // 1*0.5 + 0.25 = 0.75 ; -1 + 2 + 0.25 = 1.25
        #expect(output["data"] == .array([.double(0.75), .double(1.25)]))
    }

    @Test func noIdMeansNoIdInTheResponse() throws {
        let request = try decode(#"{"inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","data":[1,2,3]}]}"#)
        let json = try parseJSON(try infer(request, affine, affineSignature).body)
        #expect(json["id"] == nil)
    }

    @Test func malformedJSONNamesThePosition() {
        let error = servingError { _ = try decode("{\"inputs\": [1, }") }
        #expect(error?.statusCode == 400)
        #expect(error?.message.contains("line 1, column 16") == true, "\(String(describing: error))")
    }

    @Test func wrongDatatypeNamesInputExpectedAndReceived() {
        let error = servingError { _ = try decode(#"{"inputs":[{"name":"input","shape":[1,3],"datatype":"FP64","data":[1,2,3]}]}"#) }
        #expect(error == .badRequest("input 'input': expected FP32 [-1, 3], got FP64 [1, 3]"))
    }

    @Test func wrongShapeNamesInputExpectedAndReceived() {
        let error = servingError { _ = try decode(#"{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}"#) }
        #expect(error == .badRequest("input 'input': expected FP32 [-1, 3], got FP32 [1, 4]"))
    }

    @Test func dataCountMustMatchShape() {
        let error = servingError { _ = try decode(#"{"inputs":[{"name":"input","shape":[2,3],"datatype":"FP32","data":[1,2,3]}]}"#) }
        #expect(error?.statusCode == 400)
        #expect(error?.message == "input 'input': data has 3 element(s) but shape [2, 3] needs 6")
    }

    @Test func nestedDataMustMatchShape() {
        let error = servingError { _ = try decode(#"{"inputs":[{"name":"input","shape":[2,3],"datatype":"FP32","data":[[1,2,3],[4,5]]}]}"#) }
        #expect(error?.statusCode == 400)
        #expect(error?.message.contains("dimension 1 has 2 element(s), expected 3") == true)
        let ragged = servingError { _ = try decode(#"{"inputs":[{"name":"input","shape":[2,3],"datatype":"FP32","data":[[1,2,3],4,5,6]}]}"#) }
        #expect(ragged?.statusCode == 400)
    }

    @Test func elementsOfTheWrongKindAreNamed() {
        let error = servingError { _ = try decode(#"{"inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","data":[1,"two",3]}]}"#) }
        #expect(error == .badRequest("input 'input': element 1 (\"two\") is not a valid FP32"))
    }

    @Test func tensorsOverTheLimitAre413BeforeAllocation() {
        let error = servingError { _ = try decode(#"{"inputs":[{"name":"input","shape":[1000000000000,3],"datatype":"FP32","data":[1,2,3]}]}"#) }
        #expect(error?.statusCode == 413)
        let small = ServingLimits(maxTensorElements: 5, maxTensorBytes: 1 << 20, maxRank: 4)
        let over = servingError { _ = try decode(#"{"inputs":[{"name":"input","shape":[2,3],"datatype":"FP32","data":[1,2,3,4,5,6]}]}"#, limits: small) }
        #expect(over?.statusCode == 413)
        #expect(over?.message.contains("input 'input'") == true)
    }

    @Test func jsonOverTheLimitIs413() {
        let small = ServingLimits(maxTensorElements: 1 << 20, maxTensorBytes: 1 << 20, maxRank: 4, maxJSONBytes: 64)
        let error = servingError { _ = try decode(#"{"inputs":[{"name":"input","shape":[2,3],"datatype":"FP32","data":[1,2,3,4,5,6]}]}"#, limits: small) }
        #expect(error?.statusCode == 413)
        #expect(error?.message.contains("binary data") == true)
        let predict = servingError { _ = try PredictCodec.decode(Array(repeating: UInt8(ascii: " "), count: 65), signature: affineSignature, limits: small) }
        #expect(predict?.statusCode == 413)
    }

    @Test func unknownAndMissingInputsAre400() {
        let unknown = servingError { _ = try decode(#"{"inputs":[{"name":"nope","shape":[1],"datatype":"FP32","data":[1]}]}"#) }
        #expect(unknown == .badRequest("unknown input 'nope'; the model's inputs are input"))
        let missing = servingError { _ = try decode(#"{"inputs":[]}"#) }
        #expect(missing?.message.hasPrefix("missing input(s): input") == true)
        let twice = servingError {
            _ = try decode(#"{"inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","data":[1,2,3]},{"name":"input","shape":[1,3],"datatype":"FP32","data":[1,2,3]}]}"#)
        }
        #expect(twice?.statusCode == 400)
    }

    @Test func unknownDatatypeIs400() {
        let error = servingError { _ = try decode(#"{"inputs":[{"name":"input","shape":[1,3],"datatype":"FP8","data":[1,2,3]}]}"#) }
        #expect(error?.statusCode == 400)
        #expect(error?.message.contains("'FP8'") == true)
    }

    @Test func negativeOrFractionalShapeIs400() {
        for shape in ["[-1,3]", "[1.5,3]", "[\"1\",3]"] {
            let error = servingError { _ = try decode(#"{"inputs":[{"name":"input","shape":"# + shape + #","datatype":"FP32","data":[1,2,3]}]}"#) }
            #expect(error?.statusCode == 400, "shape \(shape)")
        }
    }

    @Test func everyDatatypeRoundTripsThroughJSON() throws {
        let json = #"""
        {"inputs":[
          {"name":"x_bool","shape":[1,2],"datatype":"BOOL","data":[true,false]},
          {"name":"x_uint8","shape":[1,2],"datatype":"UINT8","data":[0,255]},
          {"name":"x_uint16","shape":[1,2],"datatype":"UINT16","data":[1,65535]},
          {"name":"x_uint32","shape":[1,2],"datatype":"UINT32","data":[2,4294967295]},
          {"name":"x_uint64","shape":[1,2],"datatype":"UINT64","data":[3,9007199254740993]},
          {"name":"x_int8","shape":[1,2],"datatype":"INT8","data":[-128,127]},
          {"name":"x_int16","shape":[1,2],"datatype":"INT16","data":[-32768,32767]},
          {"name":"x_int32","shape":[1,2],"datatype":"INT32","data":[-2147483648,2147483647]},
          {"name":"x_int64","shape":[1,2],"datatype":"INT64","data":[-9223372036854775808,9223372036854775807]},
          {"name":"x_fp16","shape":[1,2],"datatype":"FP16","data":[0.5,-2.25]},
          {"name":"x_fp32","shape":[1,2],"datatype":"FP32","data":[0.1,1e-7]},
          {"name":"x_fp64","shape":[1,2],"datatype":"FP64","data":[0.1,1.7976931348623157e308]},
          {"name":"x_bytes","shape":[1,2],"datatype":"BYTES","data":["héllo",""]}
        ]}
        """#
        let request = try decode(json, signature: typesSignature)
        let response = try infer(request, types, typesSignature)
        let outputs = try #require(try parseJSON(response.body)["outputs"]?.array)
        let input = try #require(try parseJSON(json)["inputs"]?.array)
        #expect(outputs.count == 13)
        for (sent, got) in zip(input, outputs) {
            let name = try #require(sent["name"]?.string)
            #expect(got["name"]?.string == "y_" + name.dropFirst(2), "order follows the model")
            #expect(got["datatype"] == sent["datatype"], "\(name)")
            #expect(got["shape"] == sent["shape"], "\(name)")
            #expect(got["data"] == sent["data"], "\(name) data printed back exactly (shortest round-trip)")
        }
    }

    @Test func integerElementsOutOfRangeAreRejected() {
        let error = servingError {
            _ = try decode(#"{"inputs":[{"name":"x_uint8","shape":[1,2],"datatype":"UINT8","data":[1,256]}]}"#, signature: typesSignature)
        }
        #expect(error?.message.hasPrefix("input 'x_uint8': element 1 (256) is not an integer in the range of UINT8") == true)
    }

    @Test func unnamedOutputsComeInModelOrderAndNamedOnesInRequestOrder() throws {
        let inputs = V2CodecTests.allTypesBinary.json
        let request = try V2InferenceRequest.decode(
            body: V2CodecTests.allTypesBinary.body, headerLength: V2CodecTests.allTypesBinary.headerLength,
            signature: typesSignature, limits: .default)
        #expect(try request.outputNames(typesSignature).first == "y_bool")
        _ = inputs
        let selected = try decode(
            #"{"inputs":[{"name":"x_fp32","shape":[1,2],"datatype":"FP32","data":[1,2]}],"outputs":[{"name":"y_int8"},{"name":"y_fp32"}]}"#,
            signature: ModelSignature(inputs: [typesSignature.inputs[10]], outputs: typesSignature.outputs))
        #expect(try selected.outputNames(typesSignature) == ["y_int8", "y_fp32"])
        let unknown = servingError {
            _ = try decode(#"{"inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","data":[1,2,3]}],"outputs":[{"name":"nope"}]}"#)
        }
        #expect(unknown?.message == "unknown output 'nope'; the model's outputs are output")
    }

    // MARK: Binary tensor extension

    /// Every datatype as binary: 1×2 each; BYTES as 4-byte LE length + bytes.
    static let allTypesBinary: (json: String, body: [UInt8], headerLength: Int) = {
        var binary: [UInt8] = []
        var inputs: [String] = []
        func add(_ name: String, _ datatype: String, _ bytes: [UInt8]) {
            inputs.append(#"{"name":"\#(name)","shape":[1,2],"datatype":"\#(datatype)","parameters":{"binary_data_size":\#(bytes.count)}}"#)
            binary += bytes
        }
        add("x_bool", "BOOL", [1, 0])
        add("x_uint8", "UINT8", [7, 255])
        add("x_uint16", "UINT16", littleEndianBytes([UInt16(1), 65535]))
        add("x_uint32", "UINT32", littleEndianBytes([UInt32(2), 4_000_000_000]))
        add("x_uint64", "UINT64", littleEndianBytes([UInt64(3), UInt64.max]))
        add("x_int8", "INT8", littleEndianBytes([Int8(-128), 127]))
        add("x_int16", "INT16", littleEndianBytes([Int16(-300), 300]))
        add("x_int32", "INT32", littleEndianBytes([Int32(-70000), 70000]))
        add("x_int64", "INT64", littleEndianBytes([Int64.min, Int64.max]))
        add("x_fp16", "FP16", littleEndianBytes([Float16(0.5).bitPattern, Float16(-2.25).bitPattern]))
        add("x_fp32", "FP32", littleEndianBytes([Float(0.1), -3.5]))
        add("x_fp64", "FP64", littleEndianBytes([Double(0.1).bitPattern, Double(-1e300).bitPattern]))
        add("x_bytes", "BYTES", littleEndianBytes([UInt32(2)]) + Array("hi".utf8) + littleEndianBytes([UInt32(0)]))
        let json = #"{"id":"b","parameters":{"binary_data_output":true},"inputs":["# + inputs.joined(separator: ",") + "]}"
        let (body, length) = v2Body(json, binary: binary)
        return (json, body, length)
    }()

    @Test func everyDatatypeRoundTripsAsBinary() throws {
        let sent = V2CodecTests.allTypesBinary
        let request = try V2InferenceRequest.decode(body: sent.body, headerLength: sent.headerLength, signature: typesSignature, limits: .default)
        #expect(request.feeds["x_uint64"] == (try Tensor(shape: [1, 2], elements: [UInt64(3), UInt64.max])))
        #expect(request.feeds["x_int16"] == (try Tensor(shape: [1, 2], elements: [Int16(-300), 300])))
        #expect(request.feeds["x_bool"] == (try Tensor(shape: [1, 2], elements: [true, false])))
        #expect(request.feeds["x_fp32"] == (try Tensor(shape: [1, 2], elements: [Float(0.1), -3.5])))
        let response = try infer(request, types, typesSignature)
        let headerLength = try #require(response.headerLength)
        let header = try parseJSON(Array(response.body[0..<headerLength]))
        #expect(header["id"] == .string("b"))
        var offset = headerLength
        // The output bytes equal the input bytes, output by output, in model order.
        let inputBytes = Array(sent.body[sent.headerLength...])
        var outputBytes: [UInt8] = []
        for output in try #require(header["outputs"]?.array) {
            #expect(output["data"] == nil)
            let size = try #require(output["parameters"]?["binary_data_size"]?.int64)
            outputBytes += response.body[offset..<(offset + Int(size))]
            offset += Int(size)
        }
        #expect(offset == response.body.count)
        #expect(outputBytes == inputBytes)
    }

    @Test func perOutputBinaryDataOverridesTheRequestDefault() throws {
        let (body, length) = v2Body(
            #"{"parameters":{"binary_data_output":true},"inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","parameters":{"binary_data_size":12}}],"outputs":[{"name":"output","parameters":{"binary_data":false}}]}"#,
            binary: littleEndianBytes([Float(1), 1, 1]))
        let request = try V2InferenceRequest.decode(body: body, headerLength: length, signature: affineSignature, limits: .default)
        let response = try infer(request, affine, affineSignature)
        #expect(response.headerLength == nil)
        #expect(try parseJSON(response.body)["outputs"]?.array?.first?["data"] == .array([.double(1.75)]))

        let jsonIn = try decode(#"{"inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","data":[1,1,1]}],"outputs":[{"name":"output","parameters":{"binary_data":true}}]}"#)
        let binaryOut = try infer(jsonIn, affine, affineSignature)
        let length2 = try #require(binaryOut.headerLength)
        #expect(Array(binaryOut.body[length2...]) == littleEndianBytes([Float(1.75)]))
    }

    @Test func binarySizeDisagreeingWithTheShapeIs400() {
        let (body, length) = v2Body(
            #"{"inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","parameters":{"binary_data_size":8}}]}"#,
            binary: littleEndianBytes([Float(1), 1]))
        let error = servingError { _ = try V2InferenceRequest.decode(body: body, headerLength: length, signature: affineSignature, limits: .default) }
        #expect(error == .badRequest("input 'input': binary_data_size is 8 bytes but FP32 shape [1, 3] needs 12"))
    }

    @Test func binarySizesDisagreeingWithTheBodyAre400() {
        // Declared 12 bytes, 16 present.
        let extra = v2Body(#"{"inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","parameters":{"binary_data_size":12}}]}"#,
                           binary: littleEndianBytes([Float(1), 1, 1, 1]))
        let error = servingError { _ = try V2InferenceRequest.decode(body: extra.body, headerLength: extra.headerLength, signature: affineSignature, limits: .default) }
        #expect(error?.statusCode == 400)
        #expect(error?.message.contains("add up to 12") == true)
        // Declared 12 bytes, 8 present.
        let short = v2Body(#"{"inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","parameters":{"binary_data_size":12}}]}"#,
                           binary: littleEndianBytes([Float(1), 1]))
        let shortError = servingError { _ = try V2InferenceRequest.decode(body: short.body, headerLength: short.headerLength, signature: affineSignature, limits: .default) }
        #expect(shortError?.message.contains("only 8 bytes of binary data remain") == true)
        // Header length past the body.
        let past = servingError { _ = try V2InferenceRequest.decode(body: short.body, headerLength: 10_000, signature: affineSignature, limits: .default) }
        #expect(past?.message == "Inference-Header-Content-Length is 10000 but the body has \(short.body.count) bytes")
        // Header length cutting the JSON.
        let cut = servingError { _ = try V2InferenceRequest.decode(body: short.body, headerLength: 20, signature: affineSignature, limits: .default) }
        #expect(cut?.statusCode == 400)
        // binary_data_size without the header.
        let noHeader = servingError { _ = try V2InferenceRequest.decode(body: Array(short.body[0..<short.headerLength]), headerLength: nil, signature: affineSignature, limits: .default) }
        #expect(noHeader?.message.contains("no Inference-Header-Content-Length") == true)
    }

    @Test func bytesFramingIsChecked() {
        let signature = ModelSignature(inputs: [TensorSignature(name: "s", dataType: .string, shape: [-1])], outputs: [])
        func decodeBytes(_ bytes: [UInt8], count: Int) -> ServingError? {
            let (body, length) = v2Body(#"{"inputs":[{"name":"s","shape":[\#(count)],"datatype":"BYTES","parameters":{"binary_data_size":\#(bytes.count)}}]}"#, binary: bytes)
            return servingError { _ = try V2InferenceRequest.decode(body: body, headerLength: length, signature: signature, limits: .default) }
        }
        #expect(decodeBytes(littleEndianBytes([UInt32(5)]) + Array("ab".utf8), count: 1)?.message.contains("declares 5 bytes") == true)
        #expect(decodeBytes(littleEndianBytes([UInt32(1)]) + Array("ab".utf8), count: 1)?.message.contains("take 5") == true)
        #expect(decodeBytes(littleEndianBytes([UInt32(1)]) + [0xFF], count: 1)?.message.contains("not valid UTF-8") == true)
        #expect(decodeBytes([1, 0], count: 1)?.statusCode == 400)
        #expect(decodeBytes(littleEndianBytes([UInt32(1)]) + Array("a".utf8), count: 1) == nil)
    }

    @Test func boolBytesMustBeZeroOrOne() {
        let (body, length) = v2Body(#"{"inputs":[{"name":"x_bool","shape":[1,2],"datatype":"BOOL","parameters":{"binary_data_size":2}}]}"#, binary: [1, 2])
        let signature = ModelSignature(inputs: [typesSignature.inputs[0]], outputs: [])
        let error = servingError { _ = try V2InferenceRequest.decode(body: body, headerLength: length, signature: signature, limits: .default) }
        #expect(error == .badRequest("input 'x_bool': BOOL element 1 is the byte 2, expected 0 or 1"))
    }

    @Test func rawBinaryRequestDeducesTheBatch() throws {
        let body = littleEndianBytes([Float(1), 0, 0, 0, 1, 1])
        let request = try V2InferenceRequest.decode(body: body, headerLength: 0, signature: affineSignature, limits: .default)
        #expect(request.feeds["input"]?.shape == [2, 3])
        #expect(request.binaryDataOutput)
        let bad = servingError { _ = try V2InferenceRequest.decode(body: Array(body.dropLast()), headerLength: 0, signature: affineSignature, limits: .default) }
        #expect(bad?.statusCode == 400)
    }

    @Test func classificationReturnsTopClassesWithLabels() throws {
        let probabilities = try Tensor(shape: [2, 4], elements: [Float(1.1), 3.3, 0.5, 2.4, 0.25, 0.25, 0.5, 0])
        let output = OutputTensor(name: "p", tensor: probabilities, labels: .strings(["a", "b", "c", "d"]))
        let top = try V2InferenceResponse.classify(output, top: 2)
        #expect(top.tensor == (try Tensor(shape: [2, 2], elements: ["3.3:1:b", "2.4:3:d", "0.5:2:c", "0.25:0:a"])))
        let unlabeled = try V2InferenceResponse.classify(OutputTensor(name: "p", tensor: try Tensor(shape: [4], elements: [Float(1.1), 3.3, 0.5, 2.4])), top: 9)
        #expect(unlabeled.tensor == (try Tensor(shape: [4], elements: ["3.3:1", "2.4:3", "1.1:0", "0.5:2"])))
    }

    @Test func classificationParameterIsAppliedToTheOutput() throws {
        let request = try decode(#"{"inputs":[{"name":"input","shape":[2,3],"datatype":"FP32","data":[1,0,0,0,1,1]}],"outputs":[{"name":"output","parameters":{"classification":1}}]}"#)
        let json = try parseJSON(try infer(request, affine, affineSignature).body)
        let output = try #require(json["outputs"]?.array?.first)
        #expect(output["datatype"] == .string("BYTES"))
        #expect(output["shape"] == .array([.integer(2), .integer(1)]))
        #expect(output["data"] == .array([.string("0.75:0"), .string("1.25:0")]))
    }

    @Test func zipMapOutputsBecomeARowsByClassesTensorWithLabels() throws {
        let row0 = try MapValue(keys: .int64([0, 1]), values: try Tensor(shape: [2], elements: [Float(0.25), 0.75]))
        let row1 = try MapValue(keys: .int64([0, 1]), values: try Tensor(shape: [2], elements: [Float(0.5), 0.5]))
        let output = try OutputTensor(name: "probabilities", value: .sequence([.map(row0), .map(row1)]))
        #expect(output.tensor == (try Tensor(shape: [2, 2], elements: [Float(0.25), 0.75, 0.5, 0.5])))
        #expect(output.labels == .integers([0, 1]))
        let zipmapSignature = TensorSignature(ValueDescription(name: "p", type: .sequence(.map(key: .int64, value: .tensor(elementType: .float, shape: nil)))))
        #expect(zipmapSignature.summary == "FP32 [-1, -1]")
    }
}
