/// Size limits for tensors arriving in requests, checked before anything is allocated.
///
/// The HTTP body limit already bounds the bytes; these bound what the bytes declare
/// (a `shape` of `[1000000, 1000000]` with three numbers of data) so a request cannot make
/// the server reserve memory it never received. Over a limit is a 413.
struct ServingLimits: Sendable, Equatable {
    /// The most elements one request tensor may hold.
    var maxTensorElements: Int
    /// The most bytes one request tensor may occupy once decoded.
    var maxTensorBytes: Int
    /// The most dimensions a request tensor may have.
    var maxRank: Int
    /// The largest JSON text a request may carry. A parsed JSON number takes ~12 times
    /// the bytes of its text (`0,` becomes a 24-byte value), so JSON bodies are held to
    /// less than the HTTP body limit; large tensors go as binary data (V2).
    var maxJSONBytes: Int

    /// 16 Mi elements, 256 MiB, rank 16, 16 MiB of JSON.
    static let `default` = ServingLimits(maxTensorElements: 1 << 24, maxTensorBytes: 256 << 20, maxRank: 16)

    init(maxTensorElements: Int, maxTensorBytes: Int, maxRank: Int, maxJSONBytes: Int = 16 << 20) {
        self.maxTensorElements = maxTensorElements
        self.maxTensorBytes = maxTensorBytes
        self.maxRank = maxRank
        self.maxJSONBytes = maxJSONBytes
    }

    /// Throws a 413 when a JSON text of `count` bytes is over `maxJSONBytes`.
    func checkJSON(_ count: Int) throws(ServingError) {
        guard count <= maxJSONBytes else {
            throw .tooLarge("the JSON body is \(count) bytes, above the limit of \(maxJSONBytes); send large tensors as binary data (V2: Inference-Header-Content-Length)")
        }
    }

    /// The element count of `shape`, after checking rank, sign and the limits.
    ///
    /// Negative dimensions are a 400; a product over a limit (or overflowing) is a 413.
    func elementCount(of shape: [Int], elementSize: Int, for name: String) throws(ServingError) -> Int {
        guard shape.count <= maxRank else {
            throw .tooLarge("input '\(name)': shape \(shape) has rank \(shape.count), above the limit of \(maxRank)")
        }
        // The product ignores zeros too: `[0, 2^40]` holds nothing, but writing it back as
        // nested JSON would still loop over its dimensions.
        var count = 1
        var extent = 1
        for dim in shape {
            guard dim >= 0 else { throw .badRequest("input '\(name)': shape \(shape) has a negative dimension") }
            let (product, overflow) = extent.multipliedReportingOverflow(by: max(dim, 1))
            guard !overflow, product <= maxTensorElements else {
                throw .tooLarge("input '\(name)': shape \(shape) holds more than \(maxTensorElements) elements, the limit per tensor")
            }
            extent = product
            count = dim == 0 ? 0 : count * dim
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: max(elementSize, 1))
        guard !overflow, bytes <= maxTensorBytes else {
            throw .tooLarge("input '\(name)': shape \(shape) needs more than \(maxTensorBytes) bytes, the limit per tensor")
        }
        return count
    }
}
