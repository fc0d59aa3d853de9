import Testing
@testable import Monolith
