/// `SVMClassifier`: Y = labels [N], Z = scores float [N, ...].
///
/// With support vectors (libsvm's SVC): one decision value per pair of classes (i < j),
/// `rho[k] + Σ_{v ∈ i} coef[j-1][v]·K(x, v) + Σ_{v ∈ j} coef[i][v]·K(x, v)`, each a vote for i
/// when positive, else for j; Z holds the decision values, or with `prob_a`/`prob_b` the class
/// probabilities from pairwise coupling. Without support vectors (liblinear): one score per
/// class, `x · coef[c] + rho[0]`. Labels and the two-class columns follow onnxruntime.
struct SVMClassifierOperator: Operator {
    let kernel: SVMKernel
    let labels: ClassLabels
    let vectors: [Float]
    /// Start and count of each class's support vectors.
    let starts: [Int]
    let counts: [Int]
    let vectorCount: Int
    let coefficients: [Float]
    let rho: [Float]
    let probA: [Float]
    let probB: [Float]
    let transform: PostTransform
    let featureCount: Int
    let weightsAllPositive: Bool

    var classCount: Int { labels.count }
    var pairCount: Int { classCount * (classCount - 1) / 2 }
    var isSVC: Bool { vectorCount > 0 }
    var hasProbabilities: Bool { !probA.isEmpty }

    /// Columns of Z: probabilities or linear scores per class, else decision values (two for two classes).
    var scoreWidth: Int {
        guard isSVC, !hasProbabilities else { return classCount }
        return classCount > 2 ? pairCount : 2
    }

    init(_ ctx: NodeContext) throws {
        let a = ctx.attributes
        guard let labels = try ClassLabels.parse(a, ints: "classlabels_ints", strings: "classlabels_strings") else {
            throw ModelError.invalidModel("class labels are required")
        }
        self.labels = labels
        kernel = try SVMKernel(a)
        transform = try PostTransform.attribute(a)
        coefficients = try a.floats("coefficients") ?? []
        guard !coefficients.isEmpty else { throw ModelError.invalidModel("attribute 'coefficients' is required") }
        rho = try a.floats("rho") ?? []
        guard !rho.isEmpty else { throw ModelError.invalidModel("attribute 'rho' is required") }
        probA = try a.floats("prob_a") ?? []
        probB = try a.floats("prob_b") ?? []
        guard probA.count == probB.count else {
            throw ModelError.invalidModel("attributes 'prob_a' (\(probA.count)) and 'prob_b' (\(probB.count)) must have the same length")
        }
        vectors = try a.floats("support_vectors") ?? []
        let perClass = try a.ints("vectors_per_class") ?? []
        var starts: [Int] = [], counts: [Int] = [], total = 0
        for n in perClass {
            guard n >= 0, n <= vectors.count else { throw ModelError.invalidModel("attribute 'vectors_per_class' has an invalid count \(n)") }
            starts.append(total)
            counts.append(n)
            total += n
        }
        self.starts = starts
        self.counts = counts
        vectorCount = total
        let classes = labels.count
        weightsAllPositive = coefficients.allSatisfy { $0 >= 0 }
        if total > 0 {
            guard perClass.count == classes else {
                throw ModelError.invalidModel("attribute 'vectors_per_class' has \(perClass.count) entries for \(classes) classes")
            }
            guard classes >= 2 else { throw ModelError.invalidModel("a support vector classifier needs at least two classes") }
            guard vectors.count % total == 0 else {
                throw ModelError.invalidModel("attribute 'support_vectors' has \(vectors.count) values, not a multiple of the \(total) support vectors")
            }
            featureCount = vectors.count / total
            let (needed, overflow) = (classes - 1).multipliedReportingOverflow(by: total)
            guard !overflow, coefficients.count == needed else {
                throw ModelError.invalidModel("attribute 'coefficients' has \(coefficients.count) entries; expected (classes - 1) x vectors = \(classes - 1) x \(total)")
            }
            let pairs = classes * (classes - 1) / 2
            guard rho.count == pairs else {
                throw ModelError.invalidModel("attribute 'rho' has \(rho.count) entries; expected one per pair of classes (\(pairs))")
            }
            guard probA.isEmpty || probA.count == pairs else {
                throw ModelError.invalidModel("attributes 'prob_a'/'prob_b' have \(probA.count) entries; expected one per pair of classes (\(pairs))")
            }
            // Pairwise coupling works on a classes x classes matrix per row.
            if !probA.isEmpty { try MLSupport.checkCount(classes * classes, "the class count squared", ctx.limits) }
        } else {
            guard coefficients.count % classes == 0 else {
                throw ModelError.invalidModel("attribute 'coefficients' has \(coefficients.count) entries, not a multiple of the \(classes) classes")
            }
            featureCount = coefficients.count / classes
        }
    }

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "X")
        try OpSupport.check(x.type, in: MLSupport.predictorTypes, "X")
        let (batch, columns) = try MLSupport.matrixFact(x.shape)
        try SVMOperators.checkWidth(columns, featureCount)
        return [ValueFact(labels.dataType, [batch]), ValueFact(.float, [batch, .fixed(scoreWidth)])]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let (rows, x) = try SVMOperators.features(inputs, expected: featureCount)
        let width = scoreWidth
        try inputs.checkOutput([rows, width])
        var picks = [Int](repeating: 0, count: rows)
        var z = [Float](repeating: 0, count: rows * width)
        var kernels = [Float](repeating: 0, count: max(vectorCount, 1))
        var scores = [Float](repeating: 0, count: isSVC ? pairCount : classCount)
        var votes = [Int](repeating: 0, count: classCount)
        x.withUnsafeBufferPointer { xp in
            guard let xb = xp.baseAddress else { return }
            for r in 0..<rows {
                let row = xb + r * featureCount
                if isSVC {
                    decisions(row, &kernels, &scores, &votes)
                } else {
                    for c in 0..<classCount {
                        var s: Float = 0
                        for f in 0..<featureCount { s += row[f] * coefficients[c * featureCount + f] }
                        scores[c] = s + rho[0]
                    }
                }
                let (pick, out) = finish(scores, votes)
                picks[r] = pick
                for k in 0..<min(width, out.count) { z[r * width + k] = out[k] }
            }
        }
        return [.tensor(labels.tensor(picking: picks)), .tensor(Tensor(unchecked: [rows, width], .float(z)))]
    }

    /// Kernel values, one-vs-one decision values and votes for one row.
    private func decisions(_ row: UnsafePointer<Float>, _ kernels: inout [Float], _ scores: inout [Float], _ votes: inout [Int]) {
        vectors.withUnsafeBufferPointer { vp in
            kernels.withUnsafeMutableBufferPointer { kp in
                guard let vb = vp.baseAddress, let kb = kp.baseAddress else { return }
                kernel.values(row, vb, count: vectorCount, features: featureCount, kb)
            }
        }
        for k in votes.indices { votes[k] = 0 }
        var index = 0
        for i in 0..<classCount {
            for j in (i + 1)..<max(classCount, i + 1) {
                var sum = 0.0
                let rowJ = (j - 1) * vectorCount, rowI = i * vectorCount
                for m in 0..<counts[i] { sum += Double(coefficients[rowJ + starts[i] + m] * kernels[starts[i] + m]) }
                for m in 0..<counts[j] { sum += Double(coefficients[rowI + starts[j] + m] * kernels[starts[j] + m]) }
                sum += Double(rho[index])
                scores[index] = Float(sum)
                if sum > 0 { votes[i] += 1 } else { votes[j] += 1 }
                index += 1
            }
        }
    }

    /// The label pick and the Z row from the raw scores (onnxruntime's final step).
    private func finish(_ raw: [Float], _ votes: [Int]) -> (Int, [Float]) {
        var scores = raw
        if isSVC && hasProbabilities { scores = probabilities(raw) }
        var best = 0
        var second = -1  // onnxruntime's write_additional_scores
        if isSVC {
            // The label is the class with the most one-vs-one votes (the first on a tie), with
            // or without probabilities: a positive decision value votes for the first class
            // of its pair, as in libsvm.
            for k in 1..<votes.count where votes[k] > votes[best] { best = k }
            if classCount == 2 { second = transform == .none ? 2 : 0 }
            return (best, columns(scores, second))
        }
        for k in 1..<scores.count where scores[k] > scores[best] { best = k }
        let maxWeight = scores[best]
        var pick = best
        if classCount == 2 && rho.count == 1 && ((weightsAllPositive && maxWeight >= 0.5) || (maxWeight > 0 && !weightsAllPositive)) {
            pick = 1
        }
        return (pick, columns(scores, second))
    }

    /// The Z row: the transform over two or more scores; one decision value makes two columns.
    private func columns(_ raw: [Float], _ second: Int) -> [Float] {
        var scores = raw
        guard scores.count == 1 else {
            scores.withUnsafeMutableBufferPointer { transform.apply($0) }
            return scores
        }
        let v = scores[0]
        if transform == .probit { return [MLMath.probit(v), 0] }
        switch second {
        case 0, 1:
            let p = transform == .logistic ? MLMath.logistic(v) : v
            return [1 - p, p]
        default:
            if transform == .logistic { return [MLMath.logistic(-v), MLMath.logistic(v)] }
            return [-v, v]
        }
    }

    /// Class probabilities from the pairwise decision values (libsvm `svm_predict_probability`).
    private func probabilities(_ decisions: [Float]) -> [Float] {
        let k = classCount
        var r = [Float](repeating: 0, count: k * k)
        var index = 0
        for i in 0..<k {
            for j in (i + 1)..<max(k, i + 1) {
                // 1 - logistic(score * A + B), kept inside [1e-7, 1 - 1e-7].
                let v = 1 - MLMath.logistic(decisions[index] * probA[index] + probB[index])
                let clamped = min(max(v, 1.0e-7), 1 - 1.0e-7)
                r[i * k + j] = clamped
                r[j * k + i] = 1 - clamped
                index += 1
            }
        }
        return SVMClassifierOperator.coupling(k, r)
    }

    /// libsvm's `multiclass_probability` (Wu, Lin and Weng 2004, method 2) in single precision,
    /// as onnxruntime's `ml_common.h` writes it: at most 100 iterations, stop when every
    /// |Qp_t - pQp| < 0.005 / k.
    static func coupling(_ k: Int, _ r: [Float]) -> [Float] {
        var q = [Float](repeating: 0, count: k * k)
        var qp = [Float](repeating: 0, count: k)
        var p = [Float](repeating: 1 / Float(k), count: k)
        let eps = 0.005 / Float(k)
        for t in 0..<k {
            for j in 0..<t {
                q[t * k + t] += r[j * k + t] * r[j * k + t]
                q[t * k + j] = q[j * k + t]
            }
            for j in (t + 1)..<max(k, t + 1) {
                q[t * k + t] += r[j * k + t] * r[j * k + t]
                q[t * k + j] = -r[j * k + t] * r[t * k + j]
            }
        }
        for _ in 0..<max(100, k) {
            var pqp: Float = 0
            for t in 0..<k {
                qp[t] = 0
                for j in 0..<k { qp[t] += q[t * k + j] * p[j] }
                pqp += p[t] * qp[t]
            }
            var maxError: Float = 0
            for t in 0..<k { maxError = max(maxError, abs(qp[t] - pqp)) }
            if maxError < eps { break }
            for t in 0..<k {
                let diff = (-qp[t] + pqp) / q[t * k + t]
                p[t] += diff
                pqp = (pqp + diff * (diff * q[t * k + t] + 2 * qp[t])) / (1 + diff) / (1 + diff)
                for j in 0..<k {
                    qp[j] = (qp[j] + diff * q[t * k + j]) / (1 + diff)
                    p[j] /= (1 + diff)
                }
            }
        }
        return p
    }
}
