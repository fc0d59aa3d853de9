import StoreKitLite

/// The store's version status (`StoreKitLite.VersionStatus`: loading/ready/failed), under a
/// name that the serving layer's own `VersionStatus` struct does not shadow. (Module
/// qualification cannot reach it: `StoreKitLite.` names the module's `StoreKitLite` enum
/// first.) The associated type is inferred from `ModelVersion.status`.
typealias StoredVersionStatus = ModelVersion.StoredStatus

/// Lets the registry name the type of `ModelVersion.status`.
protocol StoredStatusCarrier {
    associatedtype StoredStatus
    var status: StoredStatus { get }
}

extension ModelVersion: StoredStatusCarrier {}
