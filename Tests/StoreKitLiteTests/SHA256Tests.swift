import Testing
@testable import StoreKitLite

@Suite struct SHA256Tests {
    // FIPS 180-2 Appendix B / NIST CSRC "SHA256.pdf" example values.
    @Test func nistVectors() {
        #expect(SHA256.hash(Array("".utf8)).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hash(Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)).hex
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        let m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
        #expect(SHA256.hash(Array(m896.utf8)).hex == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    @Test func oneMillionA() {
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        #expect(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)).hex == expected)
        // The same, streamed in uneven chunks.
        var hasher = SHA256()
        var remaining = 1_000_000
        var size = 1
        while remaining > 0 {
            let n = min(size, remaining)
            hasher.update([UInt8](repeating: UInt8(ascii: "a"), count: n))
            remaining -= n
            size = size * 3 % 997 + 1
        }
        #expect(hasher.finalize().hex == expected)
    }

    @Test func chunkingNeverChangesTheDigest() {
        // Lengths around the padding boundaries (55, 56, 63, 64, 119, 120...).
        let message = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        for length in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 300] {
            let whole = SHA256.hash(message[0..<length])
            for split in [1, 3, 63, 64, 65] {
                var hasher = SHA256()
                var i = 0
                while i < length {
                    let j = min(length, i + split)
                    hasher.update(message[i..<j])
                    i = j
                }
                #expect(hasher.finalize() == whole, "length \(length) split \(split)")
            }
        }
    }

    @Test func hexParsingIsStrict() {
        let hex = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"
        #expect(SHA256Digest(hex: hex)?.hex == hex.lowercased())
        #expect(SHA256Digest(hex: String(hex.dropLast())) == nil)
        #expect(SHA256Digest(hex: hex + "0") == nil)
        #expect(SHA256Digest(hex: "../" + String(hex.dropFirst(3))) == nil)
        #expect(SHA256Digest(hex: String(repeating: "g", count: 64)) == nil)
        #expect(SHA256Digest(bytes: [1, 2]) == nil)
    }

    @Test func constantTimeComparison() {
        let a = SHA256.hash(Array("a".utf8)), b = SHA256.hash(Array("b".utf8))
        #expect(a.constantTimeEquals(a))
        #expect(!a.constantTimeEquals(b))
    }
}
