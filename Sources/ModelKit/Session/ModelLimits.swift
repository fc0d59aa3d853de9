/// The limits a model and its inputs must respect, checked before anything is allocated.
///
/// One configuration value, as SwiftNIO's `NIOHTTPDecoderLimitConfiguration` is: model files
/// are hostile input and every size they declare is compared against these first.
public struct ModelLimits: Sendable, Hashable {
    /// The largest model file accepted, in bytes.
    public var maxModelBytes: Int
    /// The most elements one tensor may hold (initializers, feeds and every intermediate).
    public var maxTensorElements: Int
    /// The most nodes a graph may have.
    public var maxNodes: Int
    /// The most dimensions a tensor may have.
    public var maxRank: Int
    /// The deepest nesting of protobuf messages accepted.
    public var maxNestingDepth: Int

    /// Limits for serving: 1 GiB files, 2^28 elements per tensor, 100 000 nodes, rank 16, depth 32.
    public static let `default` = ModelLimits(
        maxModelBytes: 1 << 30,
        maxTensorElements: 1 << 28,
        maxNodes: 100_000,
        maxRank: 16,
        maxNestingDepth: 32
    )

    /// Creates a limits value; every field must be positive.
    public init(maxModelBytes: Int, maxTensorElements: Int, maxNodes: Int, maxRank: Int, maxNestingDepth: Int) {
        self.maxModelBytes = maxModelBytes
        self.maxTensorElements = maxTensorElements
        self.maxNodes = maxNodes
        self.maxRank = maxRank
        self.maxNestingDepth = maxNestingDepth
    }

    /// Throws `.limitExceeded` unless `shape` is a valid shape within `maxRank` and
    /// `maxTensorElements`; returns the element count. The product of the non-zero dimensions
    /// is held to the limit too, so an empty tensor cannot declare dimensions that make loops
    /// over its outer axes (or partial products) huge.
    @discardableResult
    func check(shape: [Int], _ what: @autoclosure () -> String) throws -> Int {
        guard shape.count <= maxRank else {
            throw ModelError.limit("\(what()) has rank \(shape.count), above the limit of \(maxRank)")
        }
        var product = 1
        var hasZero = false
        for dim in shape {
            guard dim >= 0 else {
                throw ModelError.invalidModel("\(what()) has a negative dimension in \(shape)")
            }
            if dim == 0 { hasZero = true; continue }
            let (next, overflow) = product.multipliedReportingOverflow(by: dim)
            guard !overflow, next <= maxTensorElements else {
                throw ModelError.limit("\(what()) of shape \(shape) has more than \(maxTensorElements) elements")
            }
            product = next
        }
        return hasZero ? 0 : product
    }
}
