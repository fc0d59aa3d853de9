import Testing
@testable import HTTPKit

@Suite("JSONWriter")
struct JSONWriterTests {
    func text(_ build: (inout JSONWriter) -> Void) -> String {
        var writer = JSONWriter()
        build(&writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test func placesCommas() {
        let json = text { w in
            w.beginObject()
            w.key("a"); w.number(1)
            w.key("b"); w.beginArray(); w.bool(true); w.null(); w.string("x"); w.endArray()
            w.key("c"); w.beginObject(); w.endObject()
            w.key("d"); w.beginArray(); w.beginArray(); w.endArray(); w.beginArray(); w.number(2); w.endArray(); w.endArray()
            w.endObject()
        }
        #expect(json == #"{"a":1,"b":[true,null,"x"],"c":{},"d":[[],[2]]}"#)
    }

    @Test func integers() {
        #expect(text { $0.numbers([0, -1, 42, Int.max, Int.min]) } == "[0,-1,42,9223372036854775807,-9223372036854775808]")
        #expect(text { $0.number(UInt64.max) } == "18446744073709551615")
        #expect(text { $0.number(Int8(-128)) } == "-128")
    }

    @Test func floatsAreShortestRoundTrip() throws {
        #expect(text { $0.number(Float(0.1)) } == "0.1")
        #expect(text { $0.number(0.1) } == "0.1")
        #expect(text { $0.number(1.0) } == "1.0")
        let samples: [Double] = [3.141592653589793, 1e-7, 1e21, 2.2250738585072014e-308, -0.0, 123456.789]
        for sample in samples {
            let json = text { $0.number(sample) }
            #expect(try JSONParser.parse(Array(json.utf8)).double == sample, "\(json)")
        }
        let floats: [Float] = [0.1, .leastNormalMagnitude, .greatestFiniteMagnitude, 16_777_215, .leastNonzeroMagnitude, 1.0000001]
        for sample in floats {
            let json = text { $0.number(sample) }
            #expect(Float(try #require(JSONParser.parse(Array(json.utf8)).double)) == sample, "\(json)")
        }
    }

    @Test func nonFinite() {
        #expect(text { $0.numbers([Double.nan, .infinity, -.infinity]) } == "[null,null,null]")
        var writer = JSONWriter(nonFiniteStyle: .literals)
        writer.numbers([Float.nan, .infinity, -.infinity])
        #expect(String(decoding: writer.bytes, as: UTF8.self) == "[NaN,Infinity,-Infinity]")
    }

    @Test func escapesStrings() throws {
        let original = "q\"b\\n\nr\rt\tc\u{1}é😀/"
        let json = text { $0.string(original) }
        #expect(json == #""q\"b\\n\nr\rt\tc\u0001é😀/""#)
        #expect(try JSONParser.parse(Array(json.utf8)) == .string(original))
    }

    @Test func writesParsedValuesBack() throws {
        let source = #"{"a":[1,2.5,"x",true,null,{"b":[]}],"a":-3}"#
        let value = try JSONParser.parse(Array(source.utf8))
        #expect(text { $0.value(value) } == source)
    }
}
