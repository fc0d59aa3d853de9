import Glibc

// Thin entry point: the command line picks a command; the command does the work.
exit(MonolithCLI.run(arguments: Array(CommandLine.arguments.dropFirst()), environment: ProcessEnvironment.current()))
