/// A CSV document with a header row (RFC 4180), as MLflow's `text/csv` scoring input.
///
/// Fields are separated by commas; a field in double quotes may hold commas, line breaks
/// and `""` for a quote. Lines end in CRLF or LF; a final line break and blank lines are
/// ignored. Every row must have as many fields as the header.
struct CSVTable: Sendable, Equatable {
    /// The header's column names.
    var columns: [String]
    /// The rows' fields as text.
    var rows: [[String]]

    /// Parses `bytes` (UTF-8); throws a 400 naming the line of the problem.
    init(parsing bytes: [UInt8]) throws(ServingError) {
        var records: [[String]] = []
        var record: [String] = []
        var field: [UInt8] = []
        var index = 0
        var line = 1
        var quoted = false
        var fieldStarted = false
        func text(_ field: [UInt8], _ line: Int) throws(ServingError) -> String {
            guard let text = String(validating: field, as: UTF8.self) else {
                throw .badRequest("CSV line \(line): a field is not valid UTF-8")
            }
            return text
        }
        while index < bytes.count {
            let byte = bytes[index]
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\"") {
                        field.append(byte)
                        index += 2
                        continue
                    }
                    quoted = false
                } else {
                    if byte == 0x0A { line += 1 }
                    field.append(byte)
                }
                index += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                guard field.isEmpty else { throw .badRequest("CSV line \(line): a quote inside an unquoted field") }
                quoted = true
                fieldStarted = true
            case UInt8(ascii: ","):
                record.append(try text(field, line))
                field.removeAll(keepingCapacity: true)
                fieldStarted = true
            case 0x0D where index + 1 < bytes.count && bytes[index + 1] == 0x0A:
                break
            case 0x0A:
                if fieldStarted || !field.isEmpty || !record.isEmpty {
                    record.append(try text(field, line))
                    records.append(record)
                }
                record = []
                field.removeAll(keepingCapacity: true)
                fieldStarted = false
                line += 1
            default:
                field.append(byte)
                fieldStarted = true
            }
            index += 1
        }
        guard !quoted else { throw .badRequest("CSV line \(line): unterminated quoted field") }
        if fieldStarted || !field.isEmpty || !record.isEmpty {
            record.append(try text(field, line))
            records.append(record)
        }
        guard let header = records.first else { throw .badRequest("the CSV body is empty; expected a header row") }
        for (i, row) in records.enumerated().dropFirst() where row.count != header.count {
            throw .badRequest("CSV row \(i) has \(row.count) fields but the header has \(header.count)")
        }
        columns = header
        rows = Array(records.dropFirst())
    }
}
