import HTTPKit
import ModelKit
import Testing
@testable import Monolith

/// TF Serving V1, MLflow scoring and the seed `/predict` codecs.
@Suite("V1, MLflow and seed codecs")
struct RowCodecTests {
    let affine: Session
    let affineSignature: ModelSignature
    let two: Session
    let twoSignature: ModelSignature

    init() throws {
        affine = try ServingFixtures.session("affine.onnx")
        affineSignature = ModelSignature(session: affine)
        two = try ServingFixtures.session("two_inputs.onnx")
        twoSignature = ModelSignature(session: two)
    }

    func run(_ session: Session, _ feeds: [String: Tensor]) throws -> [OutputTensor] {
        try runInference(session, feeds: feeds, outputs: session.outputs.map(\.name))
    }

    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    // MARK: V1

    @Test func v1InstancesAnswerPredictionsPerRow() throws {
        let request = try V1PredictCodec.decode(Array(#"{"instances":[[1,0,0],[0,1,1]]}"#.utf8), signature: affineSignature, limits: .default)
        #expect(request.format == .rows)
        let body = try V1PredictCodec.encode(try run(affine, request.feeds), format: request.format)
        #expect(text(body) == #"{"predictions":[[0.75],[1.25]]}"#)
    }

    @Test func v1InputsAnswerOutputsColumnar() throws {
        let request = try V1PredictCodec.decode(Array(#"{"inputs":[[1,0,0],[0,1,1]]}"#.utf8), signature: affineSignature, limits: .default)
        #expect(request.format == .columns)
        let body = try V1PredictCodec.encode(try run(affine, request.feeds), format: request.format)
        #expect(text(body) == #"{"outputs":[[0.75],[1.25]]}"#)
    }

    @Test func v1BothInstancesAndInputsIs400() {
        let error = servingError { _ = try V1PredictCodec.decode(Array(#"{"instances":[[1,0,0]],"inputs":[[1,0,0]]}"#.utf8), signature: affineSignature, limits: .default) }
        #expect(error == .badRequest("the request has both 'instances' and 'inputs'; send exactly one"))
        let neither = servingError { _ = try V1PredictCodec.decode(Array(#"{"signature_name":"x"}"#.utf8), signature: affineSignature, limits: .default) }
        #expect(neither?.statusCode == 400)
    }

    @Test func v1AcceptsAndWritesNonFiniteNumbers() throws {
        let request = try V1PredictCodec.decode(Array(#"{"instances":[[NaN,0,0],[Infinity,0,0],[-Infinity,0,0]]}"#.utf8), signature: affineSignature, limits: .default)
        let body = try V1PredictCodec.encode(try run(affine, request.feeds), format: .rows)
        #expect(text(body) == #"{"predictions":[[NaN],[Infinity],[-Infinity]]}"#)
    }

    @Test func v1NamedInputsInRowsAndColumnsAndMultipleOutputs() throws {
        let rows = try V1PredictCodec.decode(Array(#"{"instances":[{"a":[1,2],"b":[3,4]},{"a":[5,6],"b":[7,8]}]}"#.utf8), signature: twoSignature, limits: .default)
        let rowBody = try V1PredictCodec.encode(try run(two, rows.feeds), format: .rows)
        #expect(text(rowBody) == #"{"predictions":[{"sum":[4.0,6.0],"product":[3.0,8.0]},{"sum":[12.0,14.0],"product":[35.0,48.0]}]}"#)
        let columns = try V1PredictCodec.decode(Array(#"{"inputs":{"a":[[1,2]],"b":[[3,4]]}}"#.utf8), signature: twoSignature, limits: .default)
        let columnBody = try V1PredictCodec.encode(try run(two, columns.feeds), format: .columns)
        #expect(text(columnBody) == #"{"outputs":{"sum":[[4.0,6.0]],"product":[[3.0,8.0]]}}"#)
        let missing = servingError { _ = try V1PredictCodec.decode(Array(#"{"instances":[{"a":[1,2]}]}"#.utf8), signature: twoSignature, limits: .default) }
        #expect(missing?.message.contains("no value for input 'b'") == true)
        let unknown = servingError { _ = try V1PredictCodec.decode(Array(#"{"inputs":{"a":[[1,2]],"b":[[3,4]],"c":1}}"#.utf8), signature: twoSignature, limits: .default) }
        #expect(unknown?.message.hasPrefix("unknown input 'c'") == true)
    }

    @Test func v1WrongShapeNamesTheInput() {
        let error = servingError { _ = try V1PredictCodec.decode(Array(#"{"instances":[[1,2]]}"#.utf8), signature: affineSignature, limits: .default) }
        #expect(error == .badRequest("input 'input': expected FP32 [-1, 3], got values of shape [1, 2]"))
        let ragged = servingError { _ = try V1PredictCodec.decode(Array(#"{"instances":[[1,2,3],[1,2]]}"#.utf8), signature: affineSignature, limits: .default) }
        #expect(ragged?.statusCode == 400)
    }

    @Test func v1Base64StringsDecode() throws {
        let signature = ModelSignature(inputs: [TensorSignature(name: "text", dataType: .string, shape: [-1])], outputs: [])
        let request = try V1PredictCodec.decode(Array(#"{"instances":[{"b64":"aMOpbGxv"},"plain"]}"#.utf8), signature: signature, limits: .default)
        #expect(request.feeds["text"] == (try Tensor(shape: [2], elements: ["héllo", "plain"])))
    }

    // MARK: MLflow

    @Test func mlflowContentTypes() throws {
        #expect(try MLflowScoringCodec.format(contentType: "application/json") == .json)
        #expect(try MLflowScoringCodec.format(contentType: "application/json; charset=UTF-8") == .json)
        #expect(try MLflowScoringCodec.format(contentType: "text/csv") == .csv)
        let other = servingError { _ = try MLflowScoringCodec.format(contentType: "text/plain") }
        #expect(other?.statusCode == 415)
        #expect(other?.message == "This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got 'text/plain'.")
        #expect(servingError { _ = try MLflowScoringCodec.format(contentType: nil) }?.statusCode == 415)
        #expect(servingError { _ = try MLflowScoringCodec.format(contentType: "application/json; charset=latin-1") }?.message == "The scoring server only supports UTF-8")
        #expect(servingError { _ = try MLflowScoringCodec.format(contentType: "application/json; format=pandas-split") }?.statusCode == 415)
    }

    @Test func mlflowEveryJSONFormatGivesTheSamePredictions() throws {
        let bodies = [
            #"{"dataframe_split":{"columns":["x","y","z"],"data":[[1,0,0],[0,1,1]]}}"#,
            #"{"dataframe_records":[{"x":1,"y":0,"z":0},{"x":0,"y":1,"z":1}]}"#,
            #"{"instances":[[1,0,0],[0,1,1]]}"#,
            #"{"inputs":[[1,0,0],[0,1,1]],"params":{}}"#,
            #"{"inputs":{"input":[[1,0,0],[0,1,1]]}}"#,
        ]
        for body in bodies {
            let feeds = try MLflowScoringCodec.decode(Array(body.utf8), format: .json, signature: affineSignature, limits: .default)
            #expect(text(try MLflowScoringCodec.encode(try run(affine, feeds))) == #"{"predictions":[[0.75],[1.25]]}"#, "\(body)")
        }
    }

    @Test func mlflowCSV() throws {
        let csv = "x,y,z\r\n1,0,0\r\n0,1,\"1\"\r\n"
        let feeds = try MLflowScoringCodec.decode(Array(csv.utf8), format: .csv, signature: affineSignature, limits: .default)
        #expect(text(try MLflowScoringCodec.encode(try run(affine, feeds))) == #"{"predictions":[[0.75],[1.25]]}"#)
        let named = try MLflowScoringCodec.decode(Array("b,a\n3,1\n".utf8), format: .csv,
            signature: ModelSignature(inputs: [TensorSignature(name: "a", dataType: .float, shape: [-1, 1]),
                                               TensorSignature(name: "b", dataType: .float, shape: [-1, 1])], outputs: []),
            limits: .default)
        #expect(named["a"] == (try Tensor(shape: [1, 1], elements: [Float(1)])))
        #expect(named["b"] == (try Tensor(shape: [1, 1], elements: [Float(3)])))
        let ragged = servingError { _ = try MLflowScoringCodec.decode(Array("x,y,z\n1,2\n".utf8), format: .csv, signature: affineSignature, limits: .default) }
        #expect(ragged?.statusCode == 400)
        let notNumbers = servingError { _ = try MLflowScoringCodec.decode(Array("x,y,z\n1,2,abc\n".utf8), format: .csv, signature: affineSignature, limits: .default) }
        #expect(notNumbers?.message.contains("(\"abc\") is not a valid FP32") == true)
    }

    @Test func csvQuotingFollowsRFC4180() throws {
        let table = try CSVTable(parsing: Array("a,\"b,c\"\n\"x \"\"q\"\"\",\"multi\nline\"\n\n".utf8))
        #expect(table.columns == ["a", "b,c"])
        #expect(table.rows == [["x \"q\"", "multi\nline"]])
        #expect(servingError { _ = try CSVTable(parsing: Array("a\n\"open".utf8)) }?.statusCode == 400)
    }

    @Test func mlflowNeedsExactlyOneInputField() {
        let both = servingError { _ = try MLflowScoringCodec.decode(Array(#"{"instances":[[1,0,0]],"inputs":[[1,0,0]]}"#.utf8), format: .json, signature: affineSignature, limits: .default) }
        #expect(both?.statusCode == 400)
        #expect(both?.mlflowErrorCode == "BAD_REQUEST")
        #expect(both?.message.hasPrefix("The input must be a JSON dictionary with exactly one of the input fields") == true)
        let list = servingError { _ = try MLflowScoringCodec.decode(Array("[1,2]".utf8), format: .json, signature: affineSignature, limits: .default) }
        #expect(list?.message.hasSuffix("Received a list.") == true)
        let invalid = servingError { _ = try MLflowScoringCodec.decode(Array("{".utf8), format: .json, signature: affineSignature, limits: .default) }
        #expect(invalid?.message.hasPrefix("Failed to parse input from JSON.") == true)
        #expect(invalid?.message.contains("line 1, column 2") == true)
    }

    @Test func mlflowColumnsMustNameTheInputsOfAMultiInputModel() {
        let error = servingError {
            _ = try MLflowScoringCodec.decode(Array(#"{"dataframe_split":{"columns":["x","y"],"data":[[1,2]]}}"#.utf8), format: .json, signature: twoSignature, limits: .default)
        }
        #expect(error?.message.contains("the model's inputs are a, b but the columns are x, y") == true)
    }

    // MARK: Seed /predict

    @Test func predictOneRowAndManyRows() throws {
        let one = try PredictCodec.decode(Array(#"{"features":[1,0,0]}"#.utf8), signature: affineSignature, limits: .default)
        #expect(one["input"]?.shape == [1, 3])
        let body = try PredictCodec.encode(try run(affine, one), model: "affine", version: "3")
        #expect(text(body) == #"{"predictions":[0.75],"model":"affine","model_version":"3"}"#)
        let many = try PredictCodec.decode(Array(#"{"instances":[[1,0,0],[0,1,1]]}"#.utf8), signature: affineSignature, limits: .default)
        #expect(text(try PredictCodec.encode(try run(affine, many), model: "affine", version: "3")) == #"{"predictions":[0.75,1.25],"model":"affine","model_version":"3"}"#)
    }

    @Test func predictBadBodies() {
        let cases: [(String, String)] = [
            (#"{"features":[1,0]}"#, "input 'input': expected FP32 [-1, 3], got values of shape [1, 2]"),
            (#"{"features":[1,0,0],"instances":[[1,0,0]]}"#, "the body has both 'features' and 'instances'; send exactly one"),
            (#"{"rows":[]}"#, "the body must have 'features' (one row) or 'instances' (a list of rows)"),
            (#"{"features":"1,0,0"}"#, "'features' must be a list of values (one row) or an object naming the inputs, got string"),
            (#"{"features":[1,true,0]}"#, "input 'input': element 1 (true) is not a valid FP32"),
        ]
        for (body, message) in cases {
            let error = servingError { _ = try PredictCodec.decode(Array(body.utf8), signature: affineSignature, limits: .default) }
            #expect(error == .badRequest(message), "\(body)")
        }
        let malformed = servingError { _ = try PredictCodec.decode(Array(#"{"features":[1,0,0}"#.utf8), signature: affineSignature, limits: .default) }
        #expect(malformed?.message.hasPrefix("invalid JSON at line 1, column 19") == true)
    }

    @Test func predictClassifierAnswersLabelsProbabilitiesAndClasses() throws {
        let labels = OutputTensor(name: "output_label", tensor: try Tensor(shape: [2], elements: [Int64(1), 0]))
        let row0 = try MapValue(keys: .int64([0, 1]), values: try Tensor(shape: [2], elements: [Float(0.25), 0.75]))
        let row1 = try MapValue(keys: .int64([0, 1]), values: try Tensor(shape: [2], elements: [Float(0.5), 0.5]))
        let probabilities = try OutputTensor(name: "output_probability", value: .sequence([.map(row0), .map(row1)]))
        let body = try PredictCodec.encode([labels, probabilities], model: "clf", version: "1")
        #expect(text(body) == #"{"predictions":[1,0],"probabilities":[[0.25,0.75],[0.5,0.5]],"classes":[0,1],"model":"clf","model_version":"1"}"#)
        let plain = OutputTensor(name: "output_probability", tensor: try Tensor(shape: [1, 2], elements: [Float(0.25), 0.75]))
        let stringLabels = OutputTensor(name: "label", tensor: try Tensor(shape: [1], elements: ["yes"]))
        #expect(text(try PredictCodec.encode([stringLabels, plain], model: "c", version: "2")) == #"{"predictions":["yes"],"probabilities":[[0.25,0.75]],"model":"c","model_version":"2"}"#)
    }
}
