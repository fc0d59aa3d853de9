import HTTPKit
import ModelKit
import StoreKitLite

/// A registry operation that failed, with the HTTP status it maps to.
///
/// A struct over an open set of kinds (the shape of NIO's public error structs): route
/// handlers throw it as is (it is an `HTTPResponseError`), the CLI prints `message`.
/// Messages name what was wrong — the model, the version, the file, the limit — and never
/// carry file contents.
struct RegistryError: Error, Sendable, Equatable, CustomStringConvertible, HTTPResponseError {
    /// What went wrong, broadly.
    struct Kind: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// No such model, version or alias (404).
        static let notFound = Kind("not found")
        /// The model file is not a model this server can load: malformed, unsupported
        /// operator, failed validation (400).
        static let invalidModel = Kind("invalid model")
        /// A name, alias or argument is malformed (400).
        static let invalidArgument = Kind("invalid argument")
        /// A size limit was exceeded (413).
        static let tooLarge = Kind("too large")
        /// The name or version is taken (409).
        static let conflict = Kind("conflict")
        /// The version exists but is still loading (503; the caller may wait and retry).
        static let loading = Kind("loading")
        /// The version exists but could not load, or was unloaded (503).
        static let unavailable = Kind("unavailable")
        /// The registry is read-only (403).
        static let readOnly = Kind("read-only")
        /// The store or the file system failed (500).
        static let `internal` = Kind("internal")

        var description: String { name }
    }

    /// The broad category.
    var kind: Kind
    /// A message naming the problem, safe to show to clients.
    var message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    var description: String { message }

    var status: HTTPStatus {
        switch kind {
        case .notFound: return .notFound
        case .invalidModel, .invalidArgument: return .badRequest
        case .tooLarge: return .contentTooLarge
        case .conflict: return .conflict
        case .loading, .unavailable: return .serviceUnavailable
        case .readOnly: return .forbidden
        default: return .internalServerError
        }
    }

    /// Maps an error from a lower layer: store codes and ModelKit load errors keep their
    /// meaning; anything else is internal.
    static func wrapping(_ error: any Error, context: String) -> RegistryError {
        switch error {
        case let e as RegistryError:
            return e
        case let e as StoreError:
            let kind: Kind
            switch e.code {
            case .notFound: kind = .notFound
            case .alreadyExists: kind = .conflict
            case .invalidArgument, .invalidState: kind = .invalidArgument
            case .tooLarge: kind = .tooLarge
            case .readOnly: kind = .readOnly
            default: kind = .internal
            }
            return RegistryError(kind, context.isEmpty ? e.message : "\(context): \(e.message)")
        case let e as ModelError:
            let kind: Kind = e.kind == .limitExceeded ? .tooLarge : (e.kind == .io ? .internal : .invalidModel)
            return RegistryError(kind, "\(context): \(e.kind): \(e.message)")
        default:
            return RegistryError(.internal, "\(context): \(error)")
        }
    }
}
