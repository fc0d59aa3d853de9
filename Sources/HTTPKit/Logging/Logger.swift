/// A value-type structured logger in swift-log's shape.
///
/// Messages are constant strings built only when the level passes (`@autoclosure`); data
/// goes into metadata under dotted keys (`request.id`, `model.name`). Copy a logger and
/// add metadata to scope it, e.g. one logger per request carrying its request id.
public struct Logger: Sendable {
    /// Severity, in swift-log's order.
    public enum Level: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
        case trace, debug, info, notice, warning, error, critical

        /// Parses `trace`…`critical` (case-insensitive); also accepts `warn`.
        public init?(name: String) {
            switch name.lowercased() {
            case "trace": self = .trace
            case "debug": self = .debug
            case "info": self = .info
            case "notice": self = .notice
            case "warning", "warn": self = .warning
            case "error": self = .error
            case "critical": self = .critical
            default: return nil
            }
        }

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }

        public var description: String {
            switch self {
            case .trace: "trace"
            case .debug: "debug"
            case .info: "info"
            case .notice: "notice"
            case .warning: "warning"
            case .error: "error"
            case .critical: "critical"
            }
        }
    }

    /// The subsystem name, e.g. `monolith.http`.
    public var label: String
    /// Records below this level are dropped before their message is built.
    public var logLevel: Level
    /// Metadata attached to every record of this logger.
    public var metadata: Metadata
    /// Where records go.
    public var handler: any LogHandler

    public init(label: String, handler: any LogHandler, logLevel: Level = .info, metadata: Metadata = [:]) {
        self.label = label
        self.handler = handler
        self.logLevel = logLevel
        self.metadata = metadata
    }

    /// A logger that drops everything.
    public static func disabled(label: String = "disabled") -> Logger {
        Logger(label: label, handler: NoOpLogHandler(), logLevel: .critical)
    }

    /// Reads or sets one metadata value of this logger.
    public subscript(metadataKey key: String) -> MetadataValue? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Logs a record when `level` passes; the message and metadata are built only then.
    @inlinable
    public func log(
        level: Level, _ message: @autoclosure () -> Message, metadata extra: @autoclosure () -> Metadata? = nil,
        file: String = #fileID, line: UInt = #line
    ) {
        guard level >= logLevel else { return }
        var merged = metadata
        if let extra = extra() { merged.merge(extra) }
        handler.log(LogRecord(
            label: label, level: level, message: message(), metadata: merged, file: file, line: line))
    }

    @inlinable public func trace(_ message: @autoclosure () -> Message, metadata: @autoclosure () -> Metadata? = nil, file: String = #fileID, line: UInt = #line) {
        log(level: .trace, message(), metadata: metadata(), file: file, line: line)
    }
    @inlinable public func debug(_ message: @autoclosure () -> Message, metadata: @autoclosure () -> Metadata? = nil, file: String = #fileID, line: UInt = #line) {
        log(level: .debug, message(), metadata: metadata(), file: file, line: line)
    }
    @inlinable public func info(_ message: @autoclosure () -> Message, metadata: @autoclosure () -> Metadata? = nil, file: String = #fileID, line: UInt = #line) {
        log(level: .info, message(), metadata: metadata(), file: file, line: line)
    }
    @inlinable public func notice(_ message: @autoclosure () -> Message, metadata: @autoclosure () -> Metadata? = nil, file: String = #fileID, line: UInt = #line) {
        log(level: .notice, message(), metadata: metadata(), file: file, line: line)
    }
    @inlinable public func warning(_ message: @autoclosure () -> Message, metadata: @autoclosure () -> Metadata? = nil, file: String = #fileID, line: UInt = #line) {
        log(level: .warning, message(), metadata: metadata(), file: file, line: line)
    }
    @inlinable public func error(_ message: @autoclosure () -> Message, metadata: @autoclosure () -> Metadata? = nil, file: String = #fileID, line: UInt = #line) {
        log(level: .error, message(), metadata: metadata(), file: file, line: line)
    }
    @inlinable public func critical(_ message: @autoclosure () -> Message, metadata: @autoclosure () -> Metadata? = nil, file: String = #fileID, line: UInt = #line) {
        log(level: .critical, message(), metadata: metadata(), file: file, line: line)
    }
}

extension Logger {
    /// A log message: a string literal, optionally interpolated (prefer constant messages).
    public struct Message: ExpressibleByStringLiteral, ExpressibleByStringInterpolation, Sendable, CustomStringConvertible, Equatable {
        public var value: String
        public init(_ value: String) { self.value = value }
        public init(stringLiteral value: String) { self.value = value }
        public var description: String { value }
    }
}

/// One log event as handed to a `LogHandler`.
public struct LogRecord: Sendable {
    public var label: String
    public var level: Logger.Level
    public var message: Logger.Message
    public var metadata: Logger.Metadata
    public var file: String
    public var line: UInt

    public init(label: String, level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata, file: String, line: UInt) {
        self.label = label
        self.level = level
        self.message = message
        self.metadata = metadata
        self.file = file
        self.line = line
    }
}

/// Where log records go (stdout as JSON lines, memory for tests, nothing).
public protocol LogHandler: Sendable {
    /// Writes one record; called only for records whose level passed the logger's level.
    func log(_ record: LogRecord)
}

/// Drops every record.
public struct NoOpLogHandler: LogHandler {
    public init() {}
    public func log(_ record: LogRecord) {}
}
