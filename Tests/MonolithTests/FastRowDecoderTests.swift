import HTTPKit
import ModelKit
import Testing
@testable import Monolith

/// The `/predict` fast path must accept only what the general path accepts and decode it
/// to the same tensor, bit for bit.
@Suite("Fast row decoder")
struct FastRowDecoderTests {
    static let float8 = ModelSignature(inputs: [TensorSignature(name: "input", dataType: .float, shape: [-1, 8])], outputs: [])
    static let double3 = ModelSignature(inputs: [TensorSignature(name: "x", dataType: .double, shape: [-1, 3])], outputs: [])

    func general(_ body: String, _ signature: ModelSignature) -> Tensor? {
        (try? PredictCodec.decode(Array(body.utf8), signature: signature, limits: .default))?.values.first
    }

    func fast(_ body: String, _ signature: ModelSignature) -> Tensor? {
        FastRowDecoder.decode(Array(body.utf8), signature: signature, limits: .default)
    }

    /// A deterministic generator (SplitMix64) so failures reproduce.
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E3779B97F4A7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            return z ^ (z >> 31)
        }
    }

    /// Number texts of many forms: shortest doubles, shortest floats, 17-digit doubles of
    /// floats (what Python prints for float32 data), integers, exponents, long mantissas.
    static func numberText(_ rng: inout SplitMix) -> String {
        let bits = rng.next()
        let magnitude = Double(bitPattern: (bits & 0x800F_FFFF_FFFF_FFFF) | (UInt64(1000 + Int(bits >> 52 & 63)) << 52))
        switch bits % 7 {
        case 0: return String(magnitude)
        case 1: return String(Float(magnitude))
        case 2: return String(Double(Float(magnitude * 1e-3)))
        case 3: return String(Int64(bitPattern: bits) >> 20)
        case 4: return "\(Int(bits % 1000))e\(Int(bits >> 40 % 40) - 20)"
        case 5: return "0.\(String(bits))\(String(bits >> 7))"
        default: return "-\(bits % 100).\(bits % 10007)E+\(bits % 7)"
        }
    }

    @Test func randomBodiesDecodeExactlyAsTheGeneralPath() throws {
        var rng = SplitMix(state: 42)
        for _ in 0..<3000 {
            let row = (0..<8).map { _ in Self.numberText(&rng) }
            let body = #"{"features":["# + row.joined(separator: ",") + "]}"
            let expected = try #require(general(body, Self.float8), "\(body)")
            let got = try #require(fast(body, Self.float8), "\(body)")
            #expect(got.shape == expected.shape)
            #expect(got.elements(as: Float.self)?.map(\.bitPattern) == expected.elements(as: Float.self)?.map(\.bitPattern), "\(body)")
            let rows = #"{ "instances" : [ ["# + row[0..<3].joined(separator: ", ") + "], [" + row[3..<6].joined(separator: ",") + "] ] }"
            let expectedRows = try #require(general(rows, Self.double3))
            let gotRows = try #require(fast(rows, Self.double3))
            #expect(gotRows.shape == [2, 3])
            #expect(gotRows.elements(as: Double.self)?.map(\.bitPattern) == expectedRows.elements(as: Double.self)?.map(\.bitPattern), "\(rows)")
        }
    }

    @Test func hardRoundingCasesMatch() throws {
        // Halfway and near-halfway decimal strings for Float (from the shortest Double texts
        // of Float midpoints) and 19+ digit mantissas.
        var texts: [String] = ["1.00000005960464477539062", "1.0000000596046447753906249", "3.4028235677973366e38",
                               "1.401298464324817e-45", "7.006492321624085e-46", "123456789012345678901234567890", "0.1",
                               "9007199254740993", "2.2250738585072011e-308", "-0", "-0.0", "-0e1", "0e5", "1E-7"]
        var f: Float = 0.001
        for _ in 0..<500 where f < 1e30 {
            let midpoint = (Double(f) + Double(f.nextUp)) / 2
            texts.append(String(midpoint))
            texts.append(String(midpoint.nextUp))
            texts.append(String(midpoint.nextDown))
            f = f * 1.37 + 0.11
        }
        for text in texts {
            let body = #"{"features":["# + Array(repeating: text, count: 8).joined(separator: ",") + "]}"
            let expected = try #require(general(body, Self.float8), "\(text)")
            let got = try #require(fast(body, Self.float8), "\(text)")
            #expect(got.elements(as: Float.self)?.map(\.bitPattern) == expected.elements(as: Float.self)?.map(\.bitPattern), "\(text)")
        }
    }

    @Test func anythingElseGoesToTheGeneralPath() {
        let bodies = [
            #"{"features":[1,2,3,4,5,6,7,8],"x":1}"#, #"{"features":[1,2,3,4,5,6,7]}"#, #"{"features":[1,2,3,4,5,6,7,"8"]}"#,
            #"{"features":[1,2,3,4,5,6,7,NaN]}"#, #"{"features":[1,2,3,4,5,6,7,1e400]}"#, #"{"features":[01,2,3,4,5,6,7,8]}"#,
            #"{"features":[1,2,3,4,5,6,7,8]"#, #"{"features":[1,2,3,4,5,6,7,8]} x"#, #"{"instances":[]}"#,
            #"{"instances":[[1,2,3,4,5,6,7,8],[1]]}"#, #"{"features":[]}"#, #"{"feat\u0075res":[1,2,3,4,5,6,7,8]}"#,
            #"{"features":[1.,2,3,4,5,6,7,8]}"#, #"{"features":[-,2,3,4,5,6,7,8]}"#, #"{"features":[1,2,3,4,5,6,7,8,]}"#,
        ]
        for body in bodies {
            #expect(fast(body, Self.float8) == nil, "\(body)")
        }
        let multi = ModelSignature(inputs: Self.float8.inputs + Self.double3.inputs, outputs: [])
        #expect(fast(#"{"features":[1,2,3]}"#, multi) == nil)
        let ints = ModelSignature(inputs: [TensorSignature(name: "i", dataType: .int64, shape: [-1, 2])], outputs: [])
        #expect(fast(#"{"features":[1,2]}"#, ints) == nil)
        let small = ServingLimits(maxTensorElements: 4, maxTensorBytes: 1 << 20, maxRank: 4)
        #expect(FastRowDecoder.decode(Array(#"{"features":[1,2,3,4,5,6,7,8]}"#.utf8), signature: Self.float8, limits: small) == nil)
    }
}
