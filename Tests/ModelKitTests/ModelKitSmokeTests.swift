import Testing
@testable import ModelKit
