import Testing
@testable import StoreKitLite

@Suite struct TrackingTests {
    @Test func defaultExperimentExists() throws {
        let f = try Fixture()
        let experiment = try f.store.experiment(id: 0)
        #expect(experiment.name == "Default")
        #expect(experiment.lifecycleStage == .active)
        #expect(try f.store.experiment(named: "Default").id == 0)
    }

    @Test func experimentsAreUniqueByName() throws {
        let f = try Fixture()
        let e = try f.store.createExperiment(name: "iris-tuning", tags: ["team": "ml"])
        #expect(e.id >= 1)
        #expect(e.artifactLocation == "mlflow-artifacts:/\(e.id)")
        #expect(e.tags == ["team": "ml"])
        let duplicate = #expect(throws: StoreError.self) { _ = try f.store.createExperiment(name: "iris-tuning") }
        #expect(duplicate?.code == .alreadyExists)
        let custom = try f.store.createExperiment(name: "other", artifactLocation: "s3://bucket/x")
        #expect(custom.artifactLocation == "s3://bucket/x")
        _ = try f.store.setExperimentLifecycle(id: custom.id, .deleted)
        #expect(try f.store.experiments().map(\.name) == ["Default", "iris-tuning"])
        #expect(try f.store.experiments(lifecycle: nil).count == 3)
        #expect(throws: StoreError.self) { _ = try f.store.createRun(experimentID: custom.id) }
        #expect(try f.store.renameExperiment(id: e.id, to: "renamed").name == "renamed")
        try f.store.setExperimentTag(id: e.id, key: "team", value: "ops")
        #expect(try f.store.experiment(id: e.id).tags == ["team": "ops"])
        #expect(throws: StoreError.self) { _ = try f.store.experiment(id: 999) }
    }

    @Test func runsStartRunningWithAnArtifactURI() throws {
        let f = try Fixture()
        let run = try f.store.createRun(name: "first", startTime: 1000, userID: "ana")
        #expect(run.info.runID.utf8.count == 32)
        #expect(run.info.runID.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(run.info.status == .running)
        #expect(run.info.experimentID == 0)
        #expect(run.info.artifactURI == "mlflow-artifacts:/0/\(run.info.runID)/artifacts")
        #expect(run.tags["mlflow.runName"] == "first")
        let finished = try f.store.updateRun(id: run.info.runID, status: .finished, endTime: 2000)
        #expect(finished.status == .finished && finished.endTime == 2000)
        try f.store.setRunTag(runID: run.info.runID, key: "mlflow.runName", value: "renamed")
        #expect(try f.store.run(id: run.info.runID).info.name == "renamed")
        #expect(throws: StoreError.self) { _ = try f.store.run(id: "does-not-exist") }
        #expect(throws: StoreError.self) { _ = try f.store.run(id: "../../x") }
    }

    @Test func paramsAreImmutable() throws {
        let f = try Fixture()
        let id = try f.store.createRun().info.runID
        try f.store.logParam(runID: id, key: "C", value: "1.0")
        try f.store.logParam(runID: id, key: "C", value: "1.0")  // same value: fine
        let error = #expect(throws: StoreError.self) { try f.store.logParam(runID: id, key: "C", value: "2.0") }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("changing param values is not allowed") == true)
        #expect(try f.store.run(id: id).params == ["C": "1.0"])
        let long = #expect(throws: StoreError.self) { try f.store.logParam(runID: id, key: "big", value: String(repeating: "x", count: 6001)) }
        #expect(long?.code == .tooLarge)
    }

    @Test func metricHistoryIsKeptAndTheLatestIsReported() throws {
        let f = try Fixture()
        let id = try f.store.createRun().info.runID
        try f.store.logMetric(runID: id, Metric(key: "loss", value: 0.9, timestamp: 100, step: 0))
        try f.store.logMetric(runID: id, Metric(key: "loss", value: 0.5, timestamp: 200, step: 1))
        try f.store.logMetric(runID: id, Metric(key: "loss", value: .nan, timestamp: 300, step: 2))
        try f.store.logMetric(runID: id, Metric(key: "loss", value: 0.7, timestamp: 150, step: 1))
        try f.store.logMetric(runID: id, Metric(key: "acc", value: .infinity, timestamp: 100, step: 0))
        let history = try f.store.metricHistory(runID: id, key: "loss")
        #expect(history.map(\.step) == [0, 1, 1, 2])
        #expect(history.map(\.timestamp) == [100, 150, 200, 300])
        #expect(history.last?.value.isNaN == true)
        let latest = try f.store.run(id: id).metrics
        #expect(latest.map(\.key) == ["acc", "loss"])
        #expect(latest[0].value == .infinity)
        #expect(latest[1].step == 2 && latest[1].value.isNaN)
    }

    @Test func logBatchIsAllOrNothing() throws {
        let f = try Fixture()
        let id = try f.store.createRun().info.runID
        try f.store.logParam(runID: id, key: "depth", value: "3")
        #expect(throws: StoreError.self) {
            try f.store.logBatch(runID: id, metrics: [Metric(key: "m", value: 1, timestamp: 1)],
                                 params: [("lr", "0.1"), ("depth", "4")], tags: [("t", "v")])
        }
        let run = try f.store.run(id: id)
        #expect(run.params == ["depth": "3"])
        #expect(run.metrics.isEmpty)
        #expect(run.tags["t"] == nil)
        try f.store.logBatch(runID: id, metrics: [Metric(key: "m", value: 1, timestamp: 1)], params: [("lr", "0.1")], tags: [("t", "v")])
        #expect(try f.store.run(id: id).tags["t"] == "v")
        let tooMany = (0..<1001).map { Metric(key: "k", value: Double($0), timestamp: 1) }
        #expect(throws: StoreError.self) { try f.store.logBatch(runID: id, metrics: tooMany) }
    }

    @Test func deletedRunsRefuseWritesUntilRestored() throws {
        let f = try Fixture()
        let id = try f.store.createRun().info.runID
        _ = try f.store.setRunLifecycle(id: id, .deleted)
        let error = #expect(throws: StoreError.self) { try f.store.logParam(runID: id, key: "a", value: "b") }
        #expect(error?.code == .invalidState)
        #expect(try f.store.runs(experimentIDs: [0]).isEmpty)
        _ = try f.store.setRunLifecycle(id: id, .active)
        try f.store.logParam(runID: id, key: "a", value: "b")
        #expect(throws: StoreError.self) { try f.store.deleteRunTag(runID: id, key: "absent") }
        try f.store.setRunTag(runID: id, key: "t", value: "v")
        try f.store.deleteRunTag(runID: id, key: "t")
        #expect(try f.store.run(id: id).tags["t"] == nil)
    }

    @Test func runsAreListedNewestFirst() throws {
        let f = try Fixture()
        let e = try f.store.createExperiment(name: "e")
        let a = try f.store.createRun(experimentID: e.id, name: "a", startTime: 10)
        let b = try f.store.createRun(experimentID: e.id, name: "b", startTime: 30)
        let c = try f.store.createRun(experimentID: 0, name: "c", startTime: 20)
        #expect(try f.store.runs(experimentIDs: [e.id, 0]).map(\.info.runID) == [b.info.runID, c.info.runID, a.info.runID])
        #expect(try f.store.runs(experimentIDs: [e.id], limit: 1, offset: 1).map(\.info.name) == ["a"])
    }
}
