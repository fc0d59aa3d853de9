/// `ZipMap` (ml opset 1): X float [N, C] (or [C]) to a sequence of N maps from the C class
/// labels (int64 or string) to the row's values.
///
/// Keys come in ascending order (numeric, or bytewise for strings), as onnxruntime builds its
/// maps (`std::map`); a label listed twice keeps its last column, as `map[label] = value` does.
struct ZipMapOperator: Operator {
    let labels: ClassLabels
    /// The sorted, de-duplicated keys and, for each, the column it takes its value from.
    let keys: MapValue.Keys
    let columns: [Int]
    /// Whether the labels are already sorted and distinct (rows are used as they are).
    let inOrder: Bool

    init(labels: ClassLabels) {
        self.labels = labels
        switch labels {
        case .ints(let k):
            var last: [Int64: Int] = [:]
            for (i, key) in k.enumerated() { last[key] = i }
            let sorted = last.keys.sorted()
            keys = .int64(sorted)
            columns = sorted.map { last[$0] ?? 0 }
        case .strings(let k):
            var last: [String: Int] = [:]
            for (i, key) in k.enumerated() { last[key] = i }
            let sorted = last.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            keys = .string(sorted)
            columns = sorted.map { last[$0] ?? 0 }
        }
        inOrder = columns == Array(0..<labels.count)
    }

    static func register(into registry: inout OperatorRegistry) {
        registry.register("ZipMap", domain: "ai.onnx.ml") { ctx in
            try ctx.checkArity(inputs: 1...1, outputs: 1...1)
            guard let labels = try ClassLabels.parse(ctx.attributes, ints: "classlabels_int64s", strings: "classlabels_strings") else {
                throw ModelError.invalidModel("class labels are required")
            }
            return ZipMapOperator(labels: labels)
        }
    }

    var isFoldable: Bool { false }

    func outputFacts(_ inputs: [ValueFact?]) throws -> [ValueFact] {
        let x = try OpSupport.tensorFact(inputs, 0, "X")
        try OpSupport.check(x.type, in: [.float], "X")
        let (_, columns) = try MLSupport.matrixFact(x.shape)
        if case .fixed(let c) = columns, c != labels.count {
            throw ModelError.invalidModel("input X has \(c) columns but there are \(labels.count) class labels")
        }
        return [ValueFact(type: .sequence(.map(key: labels.dataType, value: .tensor(elementType: .float, shape: nil))))]
    }

    func run(_ inputs: inout OperatorInputs) throws -> [Value] {
        let x = try inputs.tensor(0)
        let (rows, columns) = try MLSupport.matrixShape(x.shape)
        guard columns == labels.count else {
            throw ModelError.runtime("input X has \(columns) columns but there are \(labels.count) class labels")
        }
        guard case .float(let v) = x.storage else { throw ModelError.runtime("input X must be float, got \(x.dataType)") }
        var maps: [Value] = []
        maps.reserveCapacity(rows)
        for r in 0..<rows {
            let row = inOrder ? Array(v[(r * columns)..<((r + 1) * columns)]) : self.columns.map { v[r * columns + $0] }
            let values = Tensor(unchecked: [row.count], .float(row))
            maps.append(.map(try MapValue(keys: keys, values: values)))
        }
        return [.sequence(maps)]
    }
}
