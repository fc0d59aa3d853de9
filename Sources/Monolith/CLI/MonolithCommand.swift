/// A `monolith` subcommand. To add one: write a type conforming to this protocol in its
/// own file and list it in `MonolithCLI.commands`.
protocol MonolithCommand {
    /// The word after `monolith`: `serve`.
    static var name: String { get }
    /// One line for the command list.
    static var summary: String { get }
    /// The usage line: `monolith serve [--host H] [--port P]`.
    static var usage: String { get }
    /// Options accepted (besides `--help`).
    static var options: [CommandOption] { get }
    /// More help: environment variables, exit codes, examples ("" for none).
    static var details: String { get }
    /// Runs the command; returns the process exit status.
    static func run(_ arguments: CommandLineArguments, environment: [String: String]) -> Int32
}

extension MonolithCommand {
    static var options: [CommandOption] { [] }
    static var details: String { "" }

    /// The full help text of the command.
    static var help: String {
        var text = "\(summary)\n\nUsage: \(usage)\n"
        let all = options + [CommandOption(name: "help", valueName: nil, help: "Show this help.")]
        text += "\nOptions:\n"
        for option in all {
            let left = "--\(option.name)" + (option.valueName.map { " \($0)" } ?? "")
            text += "  " + left.padding(to: 22) + option.help + "\n"
        }
        if !details.isEmpty { text += "\n" + details + "\n" }
        return text
    }
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
