import Testing
@testable import ModelKit

@Suite struct TensorTests {
    @Test func constructorsCheckShapes() throws {
        let t = try Tensor(shape: [2, 3], elements: [Float](repeating: 1, count: 6))
        #expect(t.dataType == .float && t.elementCount == 6 && t.rank == 2)
        #expect(throws: ModelError.self) { try Tensor(shape: [2, 2], elements: [Int64(1)]) }
        #expect(throws: ModelError.self) { try Tensor(shape: [-1], elements: [Int64]()) }
        #expect(throws: ModelError.self) { try Tensor(shape: [Int.max, 2, 0], elements: [Float]()) }
        let s = Tensor(scalar: "hello")
        #expect(s.shape == [] && s.elements(as: String.self) == ["hello"])
        #expect(try Tensor(zeros: .bool, shape: [0, 3]).elementCount == 0)
    }

    @Test func typedAccessorsAndConversions() throws {
        let i = try Tensor(shape: [3], elements: [Int32(-1), 0, 7])
        #expect(i.elements(as: Int64.self) == nil)
        #expect(i.int64Values() == [-1, 0, 7])
        #expect(i.doubleValues() == [-1, 0, 7])
        let f = try Tensor(shape: [4], elements: [Float(-2.7), 0.5, .nan, 3e9])
        let asInt = try f.converted(to: .int32)
        #expect(asInt.elements(as: Int32.self) == [-2, 0, Int32.min, Int32.min])
        let asString = try Tensor(shape: [2], elements: [Float(1.5), 2]).converted(to: .string)
        #expect(asString.elements(as: String.self) == ["1.5", "2"])
        let parsed = try Tensor(shape: [2], elements: ["3.25", " -INF "]).converted(to: .double)
        #expect(parsed.elements(as: Double.self) == [3.25, -.infinity])
        #expect(throws: ModelError.self) { try Tensor(scalar: "abc").converted(to: .float) }
        let half = try Tensor(shape: [1], elements: [Double(65504)]).converted(to: .float16)
        #expect(half.floatValues() == [65504])
        #expect(try f.reshaped([2, 2]).shape == [2, 2])
        #expect(throws: ModelError.self) { try f.reshaped([3]) }
    }

    @Test func dataTypeNames() {
        #expect(DataType.float.v2Name == "FP32")
        #expect(DataType(v2Name: "INT64") == .int64)
        #expect(DataType(v2Name: "BYTES") == .string)
        #expect(DataType(v2Name: "BF16") == nil)
        #expect(DataType.float16.byteSize == 2)
        #expect(!DataType.bfloat16.isSupported)
    }

    @Test func mapValuesPairKeysWithValues() throws {
        let m = try MapValue(keys: .int64([0, 1]), values: try Tensor(shape: [2], elements: [Float(0.25), 0.75]))
        #expect(m.keys.count == 2 && m.keys.dataType == .int64)
        #expect(throws: ModelError.self) { try MapValue(keys: .string(["a"]), values: try Tensor(shape: [2], elements: [Float(1), 2])) }
        let v = Value.sequence([.map(m)])
        #expect(v.sequence?.first?.map?.values.elementCount == 2)
        #expect(v.tensor == nil)
    }
}
