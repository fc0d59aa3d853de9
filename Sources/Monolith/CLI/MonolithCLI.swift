import HTTPKit

/// Dispatches `monolith <command> ...` to the command, with help and version handling.
enum MonolithCLI {
    /// Every command, in the order the help lists them.
    static var commands: [any MonolithCommand.Type] {
        [
            ServeCommand.self,
            InferCommand.self,
            ImportCommand.self,
            ModelsCommand.self,
            AliasCommand.self,
            KeysCommand.self,
            HealthcheckCommand.self,
            VersionCommand.self,
            HelpCommand.self,
        ]
    }

    /// Runs the command line; returns the exit status (0 ok, 1 failure, 2 usage error).
    static func run(arguments: [String], environment: [String: String]) -> Int32 {
        guard let first = arguments.first else {
            Output.standardOutput(generalHelp)
            return 0
        }
        switch first {
        case "-h", "--help":
            Output.standardOutput(generalHelp)
            return 0
        case "--version":
            return VersionCommand.run(CommandLineArguments(), environment: environment)
        default:
            break
        }
        guard let command = command(named: first) else {
            Output.standardError("monolith: unknown command '\(first)'\n\nRun 'monolith --help' for the list of commands.\n")
            return 2
        }
        let parsed: CommandLineArguments
        do {
            parsed = try CommandLineArguments(parsing: Array(arguments.dropFirst()), options: command.options)
        } catch {
            Output.standardError("monolith \(command.name): \(error)\n\nUsage: \(command.usage)\n")
            return 2
        }
        if parsed.has("help") {
            Output.standardOutput(command.help)
            return 0
        }
        return command.run(parsed, environment: environment)
    }

    static func command(named name: String) -> (any MonolithCommand.Type)? {
        commands.first { $0.name == name }
    }

    static var generalHelp: String {
        var text = """
            monolith \(MonolithVersion.current) — a whole model-serving stack in one binary: HTTP gateway, \
            inference API, model registry, experiment tracking.

            Usage: monolith <command> [options]

            Commands:

            """
        for command in commands { text += "  " + command.name.padding(to: 14) + command.summary + "\n" }
        text += "\nRun 'monolith help <command>' or 'monolith <command> --help' for a command's options.\n"
        return text
    }
}

/// `monolith help [command]`.
enum HelpCommand: MonolithCommand {
    static let name = "help"
    static let summary = "Show help for monolith or one of its commands."
    static let usage = "monolith help [command]"

    static func run(_ arguments: CommandLineArguments, environment: [String: String]) -> Int32 {
        guard let name = arguments.positionals.first else {
            Output.standardOutput(MonolithCLI.generalHelp)
            return 0
        }
        guard let command = MonolithCLI.command(named: name) else {
            Output.standardError("monolith help: unknown command '\(name)'\n")
            return 2
        }
        Output.standardOutput(command.help)
        return 0
    }
}

/// `monolith version`.
enum VersionCommand: MonolithCommand {
    static let name = "version"
    static let summary = "Print the version."
    static let usage = "monolith version"

    static func run(_ arguments: CommandLineArguments, environment: [String: String]) -> Int32 {
        Output.standardOutput("monolith \(MonolithVersion.current)\n")
        return 0
    }
}

/// The release version of this build.
enum MonolithVersion {
    static let current = "0.1.0"
}
