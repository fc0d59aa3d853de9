import HTTPKit

/// `monolith healthcheck`: the container probe for images without a shell or curl.
enum HealthcheckCommand: MonolithCommand {
    static let name = "healthcheck"
    static let summary = "Exit 0 if GET /health on this machine answers 200 within 2 s, else 1."
    static let usage = "monolith healthcheck [--port P] [--host H]"
    static let options = [
        CommandOption(name: "port", valueName: "P", help: "Port to probe (env PORT, default 8000)."),
        CommandOption(name: "host", valueName: "H", help: "Address to probe (default 127.0.0.1)."),
    ]
    static let details = """
        For Docker: HEALTHCHECK CMD ["monolith", "healthcheck"]
        Exit status: 0 healthy, 1 unhealthy (no answer within 2 s, or a status other than 200).
        """

    static let timeout: Duration = .seconds(2)

    static func run(_ arguments: CommandLineArguments, environment: [String: String]) -> Int32 {
        let host = arguments["host"] ?? "127.0.0.1"
        let portText = arguments["port"] ?? environment["PORT"].flatMap { $0.isEmpty ? nil : $0 } ?? "8000"
        guard let port = Int(portText), (1...65535).contains(port) else {
            Output.standardError("monolith healthcheck: invalid port '\(portText)'\n")
            return 1
        }
        do {
            let response = try BlockingHTTPClient.request(host: host, port: port, path: "/health", timeout: timeout)
            guard response.status == 200 else {
                Output.standardError("unhealthy: GET /health answered \(response.status)\n")
                return 1
            }
            return 0
        } catch {
            Output.standardError("unhealthy: \(error)\n")
            return 1
        }
    }
}
