/// One option a command accepts, for parsing and for its help text.
struct CommandOption: Sendable {
    /// The long name without dashes: `port` for `--port`.
    var name: String
    /// The placeholder of its value (`P`), or nil for a flag that takes none.
    var valueName: String?
    /// One line of help.
    var help: String
}

/// A command line split into positionals, `--name value` / `--name=value` options and flags.
struct CommandLineArguments: Sendable, Equatable {
    var positionals: [String] = []
    var values: [String: String] = [:]
    var flags: Set<String> = []

    /// Parses `arguments` against the options a command accepts. `--help`/`-h` is always a flag.
    /// A later occurrence of an option replaces an earlier one; `--` ends option parsing.
    init(parsing arguments: [String], options: [CommandOption]) throws(UsageError) {
        var i = 0
        var optionsEnded = false
        while i < arguments.count {
            let argument = arguments[i]
            i += 1
            if optionsEnded || !argument.hasPrefix("-") || argument == "-" {
                positionals.append(argument)
                continue
            }
            if argument == "--" {
                optionsEnded = true
                continue
            }
            if argument == "-h" || argument == "--help" {
                flags.insert("help")
                continue
            }
            guard argument.hasPrefix("--") else { throw UsageError("unknown option '\(argument)'") }
            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let eq = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard let option = options.first(where: { $0.name == name }) else {
                throw UsageError("unknown option '--\(name)'")
            }
            if option.valueName == nil {
                guard inlineValue == nil else { throw UsageError("option '--\(name)' takes no value") }
                flags.insert(name)
            } else if let inlineValue {
                values[name] = inlineValue
            } else {
                guard i < arguments.count else { throw UsageError("option '--\(name)' needs a value") }
                values[name] = arguments[i]
                i += 1
            }
        }
    }

    init() {}

    subscript(option: String) -> String? { values[option] }
    func has(_ flag: String) -> Bool { flags.contains(flag) }
}

/// A command line the program cannot act on; exits with status 2.
struct UsageError: Error, CustomStringConvertible, Equatable {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
