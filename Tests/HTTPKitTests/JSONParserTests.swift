import Testing
@testable import HTTPKit

@Suite("JSONParser")
struct JSONParserTests {
    func parse(_ text: String, _ options: JSONParser.Options = .init()) throws -> JSONValue {
        try JSONParser(options: options).parse(Array(text.utf8))
    }

    func failure(_ text: String, _ options: JSONParser.Options = .init()) -> JSONError? {
        do {
            _ = try JSONParser(options: options).parse(Array(text.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test func scalars() throws {
        #expect(try parse("null") == .null)
        #expect(try parse(" true ") == .bool(true))
        #expect(try parse("false") == .bool(false))
        #expect(try parse("\"hi\"") == .string("hi"))
        #expect(try parse("0") == .integer(0))
        #expect(try parse("-12") == .integer(-12))
        #expect(try parse("1.5") == .double(1.5))
        #expect(try parse("-2.5e3") == .double(-2500))
        #expect(try parse("1E-2") == .double(0.01))
    }

    @Test func integersStayExact() throws {
        #expect(try parse("9007199254740993") == .integer(9_007_199_254_740_993))
        #expect(try parse("9223372036854775807") == .integer(.max))
        #expect(try parse("-9223372036854775808") == .integer(.min))
        // One past Int64's range becomes a double.
        #expect(try parse("9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(try parse("123456789012345678901234567890").double == 1.2345678901234568e29)
    }

    @Test(arguments: [
        "0.1", "0.2", "3.141592653589793", "2.2250738585072014e-308", "1.7976931348623157e308",
        "4.9e-324", "123456789.123456789", "0.000001", "1e22", "1e23", "9007199254740993.0",
        "-0.0", "7.038531e-26", "0.30000000000000004", "1.00000000000000011102230246251565",
    ])
    func doublesAreCorrectlyRounded(text: String) throws {
        let value = try parse(text)
        #expect(value.double == Double(text), "\(text)")
    }

    @Test func containersKeepOrderAndDuplicates() throws {
        let value = try parse(#"{"b":1,"a":[1,2,{"c":null}],"b":2}"#)
        let object = try #require(value.object)
        #expect(object.members.map(\.key) == ["b", "a", "b"])
        #expect(object.keys == ["b", "a"])
        #expect(value["b"] == .integer(2))
        #expect(value["a"]?.array?.count == 3)
        #expect(try parse("[]") == .array([]))
        #expect(try parse("{ }") == .object(JSONObject()))
    }

    @Test func stringEscapes() throws {
        #expect(try parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{8}\u{c}\n\r\t"))
        #expect(try parse(#""\u00e9\u4e2d""#) == .string("é中"))
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parse("\"é😀\"") == .string("é😀"))
    }

    @Test(arguments: [
        ("", "unexpected end of input"),
        ("[1,]", "expected a value"),
        ("{\"a\":1,}", "expected a string key"),
        ("{\"a\" 1}", "expected ':'"),
        ("[1 2]", "expected ',' or ']'"),
        ("01", "leading zero"),
        ("1.", "after '.'"),
        ("1e", "exponent"),
        ("-", "expected a digit"),
        ("tru", "invalid literal"),
        ("\"abc", "unterminated string"),
        ("\"a\u{01}b\"", "control character"),
        (#""\x""#, "invalid escape"),
        (#""\ud800""#, "unpaired"),
        (#""\udc00x""#, "unpaired"),
        (#""\u12g4""#, "hex digit"),
        ("[1] x", "after the JSON value"),
        ("NaN", "NaN and Infinity are not JSON"),
        ("1e400", "out of range"),
    ])
    func rejections(text: String, reason: String) {
        let error = failure(text)
        #expect(error != nil, "\(text) should be rejected")
        #expect(error?.reason.contains(reason) == true, "\(text): \(String(describing: error))")
    }

    @Test func invalidUTF8IsRejected() {
        #expect(throws: JSONError.self) { try JSONParser().parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONError.self) { try JSONParser().parse([0x22, 0xED, 0xA0, 0x80, 0x22]) }
    }

    @Test func errorPositionIsLineAndColumn() {
        let error = failure("{\n  \"a\": [1,\n   2,, 3]}")
        #expect(error?.line == 3)
        #expect(error?.column == 6)
        #expect(error?.offset == 18)
        #expect(error?.description.contains("line 3, column 6") == true)
    }

    @Test func depthIsLimited() {
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(failure(deep)?.reason.contains("nesting deeper than 128") == true)
        #expect(failure(deep, .init(maxDepth: 300)) == nil)
        // Far deeper than any stack could take recursively still fails cleanly.
        let abyss = String(repeating: "{\"a\":", count: 100_000)
        #expect(failure(abyss)?.reason.contains("nesting") == true)
    }

    @Test func nonFiniteLiteralsWhenAllowed() throws {
        let options = JSONParser.Options(allowNonFiniteNumbers: true)
        let value = try parse("[NaN, Infinity, -Infinity, Inf, -Inf, 1e400]", options)
        let numbers = try #require(value.array).compactMap(\.double)
        #expect(numbers.count == 6)
        #expect(numbers[0].isNaN)
        #expect(numbers[1] == .infinity && numbers[2] == -.infinity)
        #expect(numbers[3] == .infinity && numbers[4] == -.infinity && numbers[5] == .infinity)
        #expect(failure("Infinit", options) != nil)
    }

    @Test func accessors() throws {
        let value = try parse(#"{"n":3,"x":2.0,"s":"t","b":true,"z":null}"#)
        #expect(value["n"]?.int64 == 3)
        #expect(value["x"]?.int64 == 2)
        #expect(value["x"]?.double == 2.0)
        #expect(value["s"]?.string == "t")
        #expect(value["b"]?.bool == true)
        #expect(value["z"]?.isNull == true)
        #expect(value["missing"] == nil)
        #expect(value["s"]?.typeName == "string")
    }
}
