#if canImport(Glibc)
import Glibc
#endif
import ModelKitKernels

/// The score transform of the ai.onnx.ml predictors (`post_transform`).
///
/// The formulas are onnxruntime's (`core/providers/cpu/ml/ml_common.h`), which the ONNX
/// operator pages leave unspecified: a sign-split logistic, softmax over the row after
/// subtracting its maximum, "softmax zero" that leaves exact zeros at zero, and probit through
/// the Winitzki approximation of erf⁻¹ (a = 0.147) that onnxruntime and the ONNX reference use
/// (onnxruntime's with π to float precision; the ONNX reference's 3.14159 differs in the 5th digit).
enum PostTransform: Sendable, Equatable {
    case none, softmax, logistic, softmaxZero, probit

    /// The transform named by a STRING attribute (`NONE`, `SOFTMAX`, `LOGISTIC`, `SOFTMAX_ZERO`, `PROBIT`).
    init(name: String) throws {
        switch name {
        case "NONE": self = .none
        case "SOFTMAX": self = .softmax
        case "LOGISTIC": self = .logistic
        case "SOFTMAX_ZERO": self = .softmaxZero
        case "PROBIT": self = .probit
        default: throw ModelError.invalidModel("attribute 'post_transform' is '\(name)'; expected NONE, SOFTMAX, LOGISTIC, SOFTMAX_ZERO or PROBIT")
        }
    }

    /// The transform of `TreeEnsemble` (ml opset 5), an INT attribute numbered as the operator
    /// page says: NONE (0), SOFTMAX (1), LOGISTIC (2), SOFTMAX_ZERO (3), PROBIT (4).
    init(code: Int) throws {
        switch code {
        case 0: self = .none
        case 1: self = .softmax
        case 2: self = .logistic
        case 3: self = .softmaxZero
        case 4: self = .probit
        default: throw ModelError.invalidModel("attribute 'post_transform' is \(code); expected 0 (NONE) to 4 (PROBIT)")
        }
    }

    /// The transform of an operator's `post_transform` STRING attribute (default `NONE`).
    static func attribute(_ attributes: Attributes) throws -> PostTransform {
        try PostTransform(name: try attributes.string("post_transform") ?? "NONE")
    }

    /// Applies the transform to one row of scores in place (onnxruntime's `write_scores` for
    /// two or more scores).
    func apply(_ row: UnsafeMutableBufferPointer<Float>) {
        switch self {
        case .none: break
        case .logistic: for i in row.indices { row[i] = MLMath.logistic(row[i]) }
        case .probit: for i in row.indices { row[i] = MLMath.probit(row[i]) }
        case .softmax: MLMath.softmax(row)
        case .softmaxZero: MLMath.softmaxZero(row)
        }
    }
}

/// The scalar functions of onnxruntime's `ml_common.h`, in single precision as it computes them.
enum MLMath {
    /// 1 / (1 + e^-|x|), mirrored for negative x so it never overflows.
    @inline(__always)
    static func logistic(_ x: Float) -> Float {
        let v = 1 / (1 + expf(-abs(x)))
        return x < 0 ? 1 - v : v
    }

    /// erf⁻¹ by Winitzki's approximation with a = 0.147 and π in single precision (onnxruntime `ErfInv`).
    @inline(__always)
    static func erfInv<T: MathFloat>(_ x: T) -> T {
        let sign: T = x < 0 ? -1 : 1
        let t = (1 - x) * (1 + x)
        let l = T.mLog(t)
        let v = 2 / (T(Float.pi) * T(Float(0.147))) + T(Float(0.5)) * l
        let v2 = 1 / T(Float(0.147)) * l
        let v3 = -v + T.mSqrt(v * v - v2)
        return sign * T.mSqrt(v3)
    }

    /// √2 · erf⁻¹(2x − 1): the inverse of the standard normal CDF (called with `Float`, as
    /// onnxruntime computes it, also for double inputs).
    @inline(__always)
    static func probit<T: MathFloat>(_ x: T) -> T {
        T(Float(1.41421356)) * erfInv(2 * x - 1)
    }

    /// MLAS's vectorized logistic in place (what onnxruntime's batched LOGISTIC runs for linear
    /// models): the FMA kernel when the CPU has AVX2 + FMA, else the same rational
    /// approximation unfused, as MLAS's SSE2 build computes it.
    static func logisticBatch(_ values: UnsafeMutableBufferPointer<Float>) {
        guard let base = values.baseAddress, !values.isEmpty else { return }
        if CPUFeatures.wideKernels {
            MLKernels.logistic(base, values.count)
            return
        }
        for i in values.indices {
            let v = min(max(values[i], -18), 18)
            let v2 = v * v
            var p = v2 * 4.37031012579801e-11 + 1.15627324459942e-07
            p = p * v2 + 6.08574864600143e-05
            p = p * v2 + 8.51377133304701e-03
            p = p * v2 + 2.48287947061529e-01
            p *= v
            var q = v2 * 6.10247389755681e-13 + 5.76102136993427e-09
            q = q * v2 + 6.29106785017040e-06
            q = q * v2 + 1.70198817374094e-03
            q = q * v2 + 1.16817656904453e-01
            q = q * v2 + 9.93151921023180e-01
            values[i] = min(max(p / q + 0.5, 0), 1)
        }
    }

    /// Softmax over `row` in place, after subtracting the maximum.
    static func softmax(_ row: UnsafeMutableBufferPointer<Float>) {
        guard !row.isEmpty else { return }
        var maximum = -Float.greatestFiniteMagnitude
        for v in row where v > maximum { maximum = v }
        var sum: Float = 0
        for i in row.indices {
            let e = expf(row[i] - maximum)
            row[i] = e
            sum += e
        }
        for i in row.indices { row[i] /= sum }
    }

    /// Softmax that keeps (near-)zero scores at zero: entries within 1e-7 of 0 are multiplied
    /// by e^-max instead of exponentiated and do not count in the sum (onnxruntime
    /// `ComputeSoftmaxZero`); an all-zero row becomes 0.5 everywhere, as the ONNX reference does.
    static func softmaxZero(_ row: UnsafeMutableBufferPointer<Float>) {
        guard !row.isEmpty else { return }
        var maximum = -Float.greatestFiniteMagnitude
        for v in row where v > maximum { maximum = v }
        let expNegMax = expf(-maximum)
        var sum: Float = 0
        for i in row.indices {
            let v = row[i]
            if v > 0.0000001 || v < -0.0000001 {
                row[i] = expf(v - maximum)
                sum += row[i]
            } else {
                row[i] = v * expNegMax
            }
        }
        if sum == 0 {
            for i in row.indices { row[i] = 0.5 }
        } else {
            for i in row.indices { row[i] /= sum }
        }
    }
}

/// Class labels of a classifier: int64 (`classlabels_int64s` / `classlabels_ints`) or strings.
enum ClassLabels: Sendable, Equatable {
    case ints([Int64])
    case strings([String])

    /// The number of labels.
    var count: Int {
        switch self {
        case .ints(let v): return v.count
        case .strings(let v): return v.count
        }
    }

    /// The label tensor element type.
    var dataType: DataType {
        switch self {
        case .ints: return .int64
        case .strings: return .string
        }
    }

    /// Reads the labels from `intsName` / `stringsName`: exactly one must be given and non-empty
    /// (unless `optional`, when neither may be given and `nil` is returned).
    static func parse(_ attributes: Attributes, ints intsName: String, strings stringsName: String,
                      optional: Bool = false) throws -> ClassLabels? {
        let ints = try attributes.ints(intsName) ?? []
        let strings = try attributes.strings(stringsName) ?? []
        switch (ints.isEmpty, strings.isEmpty) {
        case (false, false):
            throw ModelError.invalidModel("attributes '\(intsName)' and '\(stringsName)' are both set; exactly one may be")
        case (true, true):
            if optional { return nil }
            throw ModelError.invalidModel("one of the attributes '\(intsName)' or '\(stringsName)' must list the class labels")
        case (false, true): return .ints(ints.map { Int64($0) })
        case (true, false): return .strings(strings)
        }
    }

    /// A 1-D label tensor: `picks[i]` is a label index, or -1 / -2 for the raw labels 0 / 1
    /// onnxruntime writes in some binary cases (`"0"` / `"1"` for string labels).
    func tensor(picking picks: [Int]) -> Tensor {
        switch self {
        case .ints(let labels):
            return Tensor(unchecked: [picks.count], .int64(picks.map { $0 >= 0 ? labels[$0] : Int64(-1 - $0) }))
        case .strings(let labels):
            return Tensor(unchecked: [picks.count], .string(picks.map { $0 >= 0 ? labels[$0] : ($0 == -1 ? "0" : "1") }))
        }
    }
}

/// Helpers shared by the ai.onnx.ml operators: feature matrices, batch dimensions, checks.
enum MLSupport {
    /// The numeric inputs most ml predictors take (`T` = float, double, int64, int32).
    static let predictorTypes: Set<DataType> = [.float, .double, .int64, .int32]

    /// Rows and columns of a predictor input: `[C]` is one row, `[N, C]` is N rows; other
    /// ranks fail (onnxruntime: "only 1D, 2D tensors").
    static func matrixShape(_ shape: [Int], _ what: String = "X") throws -> (rows: Int, columns: Int) {
        switch shape.count {
        case 1: return (1, shape[0])
        case 2: return (shape[0], shape[1])
        default: throw ModelError.runtime("input \(what) must be 1-D [C] or 2-D [N, C], got shape \(shape)")
        }
    }

    /// The batch dimension and feature count of a predictor input fact (rank 1 or 2 when known).
    static func matrixFact(_ shape: [Dimension]?, _ what: String = "X") throws -> (batch: Dimension, columns: Dimension) {
        guard let shape else { return (.unknown, .unknown) }
        switch shape.count {
        case 1: return (.fixed(1), shape[0])
        case 2: return (shape[0], shape[1])
        default: throw ModelError.invalidModel("input \(what) must be 1-D [C] or 2-D [N, C], got rank \(shape.count)")
        }
    }

    /// The elements of a numeric input as `Float` (no copy for float tensors).
    static func floats(_ tensor: Tensor, _ what: String = "X") throws -> [Float] {
        switch tensor.storage {
        case .float(let v): return v
        case .double(let v): return v.map { Float($0) }
        case .int64(let v): return v.map { Float($0) }
        case .int32(let v): return v.map { Float($0) }
        case .float16(let v): return Half.toFloat(v)
        default: throw ModelError.runtime("input \(what) has type \(tensor.dataType); expected float, double, int64 or int32")
        }
    }

    /// Throws unless `count` is within the element limit (for sizes taken from attributes).
    static func checkCount(_ count: Int, _ what: String, _ limits: ModelLimits) throws {
        guard count >= 0 else { throw ModelError.invalidModel("\(what) is negative (\(count))") }
        guard count <= limits.maxTensorElements else {
            throw ModelError.limit("\(what) is \(count), above the limit of \(limits.maxTensorElements) elements")
        }
    }

    /// A FLOATS attribute, or the same values from its `<name>_as_tensor` TENSOR variant
    /// (float or double; ml opset 3), widened to `Double`. Both given is an error.
    static func floatsOrTensor(_ attributes: Attributes, _ name: String) throws -> [Double]? {
        let plain = try attributes.floats(name)
        let tensor = try attributes.tensor(name + "_as_tensor")
        if let plain, let tensor, !plain.isEmpty, tensor.elementCount > 0 {
            throw ModelError.invalidModel("attributes '\(name)' and '\(name)_as_tensor' are both set; one may be")
        }
        if let tensor, tensor.elementCount > 0 || plain == nil {
            switch tensor.storage {
            case .float(let v): return v.map { Double($0) }
            case .double(let v): return v
            default: throw ModelError.invalidModel("attribute '\(name)_as_tensor' must be a float or double tensor, got \(tensor.dataType)")
            }
        }
        return plain.map { $0.map { Double($0) } }
    }
}
