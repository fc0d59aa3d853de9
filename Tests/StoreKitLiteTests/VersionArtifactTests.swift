import Testing
@testable import StoreKitLite

/// `replaceArtifact` and `recordLoadOutcome`: a version keeps its number, aliases and tags
/// when its file changes, and a load outcome never overwrites a newer artifact.
@Suite struct VersionArtifactTests {
    @Test func replaceArtifactKeepsNumberAliasesTagsAndStage() throws {
        let f = try Fixture()
        let first = try f.addVersion("iris", seed: 1)
        try f.store.setAlias(model: "iris", alias: "production", version: first.version)
        try f.store.setVersionTag(model: "iris", number: first.version, key: "team", value: "ml")
        try f.store.transitionStage(model: "iris", number: first.version, to: .staging)
        let generation = try f.store.generation(.registry)
        let artifact = try f.artifacts.put(Array("replacement".utf8))
        let replaced = try f.store.replaceArtifact(
            model: "iris", number: first.version, artifact: artifact,
            source: VersionSource(kind: .registry, location: "/registry/iris/1/model.onnx"),
            signature: #"{"inputs":[]}"#, metadata: #"{"accuracy":0.9}"#, status: .failed, reason: "bad operator")
        #expect(replaced.version == first.version)
        #expect(replaced.sha256 == artifact.digest && replaced.size == artifact.size)
        #expect(replaced.source == VersionSource(kind: .registry, location: "/registry/iris/1/model.onnx"))
        #expect(replaced.signature == #"{"inputs":[]}"# && replaced.metadata == #"{"accuracy":0.9}"#)
        #expect(replaced.status == .failed && replaced.statusReason == "bad operator")
        #expect(replaced.aliases == ["production"] && replaced.tags == ["team": "ml"] && replaced.stage == .staging)
        #expect(replaced.format == "onnx", "format unchanged when not given")
        #expect(try f.store.generation(.registry) > generation, "servers notice the change")
        #expect(try f.store.referencedDigests() == [artifact.digest.hex], "the old blob is now an orphan")
        #expect(try f.store.auditLog(limit: 1).first?.action == "version.replace")
    }

    @Test func replaceArtifactCanTurnARecordOnlyVersionIntoAModel() throws {
        let f = try Fixture()
        let empty = try f.artifacts.put([])
        let pending = try f.store.createVersion(model: "m", NewModelVersion(
            artifact: empty, format: ModelVersion.recordOnlyFormat,
            source: VersionSource(kind: .mlflow, location: "file:///models/m"), status: .loading))
        #expect(pending.isRecordOnly && pending.size == 0)
        let artifact = try f.artifacts.put(Array("onnx bytes".utf8))
        let ready = try f.store.replaceArtifact(
            model: "m", number: pending.version, artifact: artifact, source: pending.source,
            signature: nil, metadata: nil, status: .ready, reason: "", format: "onnx")
        #expect(!ready.isRecordOnly && ready.format == "onnx" && ready.status == .ready)
        #expect(ready.version == pending.version && ready.source.kind == .mlflow)
    }

    @Test func replaceArtifactRefusesUnknownVersionsAndBadArguments() throws {
        let f = try Fixture()
        try f.addVersion("iris", seed: 1)
        let artifact = try f.artifacts.put(Array("x".utf8))
        let source = VersionSource(kind: .upload, location: "")
        let missing = #expect(throws: StoreError.self) {
            try f.store.replaceArtifact(model: "iris", number: 9, artifact: artifact, source: source,
                                        signature: nil, metadata: nil, status: .ready, reason: "")
        }
        #expect(missing?.code == .notFound)
        let unknownModel = #expect(throws: StoreError.self) {
            try f.store.replaceArtifact(model: "nope", number: 1, artifact: artifact, source: source,
                                        signature: nil, metadata: nil, status: .ready, reason: "")
        }
        #expect(unknownModel?.code == .notFound)
        let badJSON = #expect(throws: StoreError.self) {
            try f.store.replaceArtifact(model: "iris", number: 1, artifact: artifact, source: source,
                                        signature: "{", metadata: nil, status: .ready, reason: "")
        }
        #expect(badJSON?.code == .invalidArgument)
        let badFormat = #expect(throws: StoreError.self) {
            try f.store.replaceArtifact(model: "iris", number: 1, artifact: artifact, source: source,
                                        signature: nil, metadata: nil, status: .ready, reason: "", format: "")
        }
        #expect(badFormat?.code == .invalidArgument)
        #expect(try f.store.version(model: "iris", number: 1).sha256 != artifact.digest, "nothing changed")
    }

    @Test func recordLoadOutcomeWritesOnlyForTheLoadedArtifactAndOnlyChanges() throws {
        let f = try Fixture()
        let version = try f.addVersion("iris", seed: 1, status: .loading)
        let signature = #"{"inputs":[{"name":"x"}]}"#
        #expect(try f.store.recordLoadOutcome(model: "iris", number: 1, sha256: version.sha256, signature: signature,
                                              status: .ready, reason: ""))
        var row = try f.store.version(model: "iris", number: 1)
        #expect(row.status == .ready && row.signature == signature)
        // The same outcome again: nothing to write, the change counter stays.
        let generation = try f.store.generation(.registry)
        #expect(try !f.store.recordLoadOutcome(model: "iris", number: 1, sha256: version.sha256, signature: signature,
                                               status: .ready, reason: ""))
        #expect(try !f.store.recordLoadOutcome(model: "iris", number: 1, sha256: version.sha256, signature: nil,
                                               status: .ready, reason: ""))
        #expect(try f.store.generation(.registry) == generation)
        // A failure without a signature keeps the signature recorded before.
        #expect(try f.store.recordLoadOutcome(model: "iris", number: 1, sha256: version.sha256, signature: nil,
                                              status: .failed, reason: "artifact missing"))
        row = try f.store.version(model: "iris", number: 1)
        #expect(row.status == .failed && row.statusReason == "artifact missing" && row.signature == signature)
        // An outcome for an artifact the row no longer holds is ignored.
        let newer = try f.artifacts.put(Array("newer".utf8))
        try f.store.replaceArtifact(model: "iris", number: 1, artifact: newer, source: version.source,
                                    signature: nil, metadata: nil, status: .loading, reason: "")
        #expect(try !f.store.recordLoadOutcome(model: "iris", number: 1, sha256: version.sha256, signature: nil,
                                               status: .ready, reason: ""))
        #expect(try f.store.version(model: "iris", number: 1).status == .loading)
        #expect(try !f.store.recordLoadOutcome(model: "gone", number: 1, sha256: newer.digest, signature: nil,
                                               status: .ready, reason: ""))
    }

    @Test func longStatusReasonsAreCutAtACharacterBoundary() throws {
        let f = try Fixture()
        let version = try f.addVersion("iris", seed: 1, status: .loading)
        let reason = String(repeating: "é", count: 3000)  // 6000 bytes
        try f.store.recordLoadOutcome(model: "iris", number: 1, sha256: version.sha256, signature: nil,
                                      status: .failed, reason: reason)
        let stored = try f.store.version(model: "iris", number: 1).statusReason
        #expect(stored.utf8.count == MetadataStore.maximumStatusReasonBytes)
        #expect(stored.allSatisfy { $0 == "é" })
    }
}
