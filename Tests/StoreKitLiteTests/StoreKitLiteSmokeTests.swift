import Testing
@testable import StoreKitLite
