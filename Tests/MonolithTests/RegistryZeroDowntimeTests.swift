import Dispatch
import Synchronization
import Testing
@testable import Monolith

/// Zero downtime (issue 4): predictions keep succeeding while versions are dropped into the
/// registry folder, aliases move and old versions are removed, and every answer comes from
/// one consistent version.
@Suite struct RegistryZeroDowntimeTests {
    @Test func predictionsNeverFailWhileVersionsAndAliasesChange() throws {
        let root = try TemporaryDirectory()
        try RegistryTestFiles.write(root("m/1/model.onnx"), RegistryTestModels.addConstant(1))
        let f = try RegistryFixture(folder: root.path)
        try f.start()
        try f.registry.setAlias("stable", model: "m", version: 1)

        let registry = f.registry
        let stop = Atomic<Bool>(false)
        let requests = Atomic<Int>(0)
        let failures = Mutex<[String]>([])
        let group = DispatchGroup()
        for worker in 0..<4 {
            DispatchQueue.global().async(group: group) {
                var x: Float = Float(worker)
                while !stop.load(ordering: .relaxed) {
                    // Half the workers ask for the default version, half for the alias.
                    let resolution = worker % 2 == 0 ? registry.resolve("m") : registry.resolve(reference: "m@stable")
                    do {
                        let model = try resolution.get()
                        let y = try RegistryTestModels.predict(model, x)
                        // Version v computes x + v: the answer names the version that
                        // produced it, which must be the one resolved.
                        if y != x + Float(model.version) {
                            failures.withLock { $0.append("version \(model.version) answered \(y) for \(x)") }
                        }
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                    requests.add(1, ordering: .relaxed)
                    x += 1
                    if x > 1000 { x = 0 }
                }
            }
        }
        // The changes start once the clients run (on a busy machine the global queue may
        // start them late); otherwise the test would watch no request at all.
        #expect(eventually { requests.load(ordering: .relaxed) > 0 })
        for next in 2...10 {
            try RegistryTestFiles.write(root("m/\(next)/model.onnx"), RegistryTestModels.addConstant(Float(next)))
            #expect(eventually { f.registry.resolve("m", .latest).model?.version == Int64(next) })
            try f.registry.setAlias("stable", model: "m", version: Int64(next - 1))
            if next % 3 == 0 { try f.registry.setAlias("production", model: "m", version: Int64(next)) }
            if next >= 4 { TemporaryDirectory.remove(root("m/\(next - 3)")) }
        }
        #expect(eventually { f.registry.resolve("m", .version(7)).isNotFound })
        stop.store(true, ordering: .relaxed)
        group.wait()
        f.registry.stop()
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { Array($0.prefix(5)) })")
        #expect(requests.load(ordering: .relaxed) > 0)
        #expect(f.registry.resolve("m").model?.version == 9)   // production -> 9
        #expect(f.registry.resolve(reference: "m@stable").model?.version == 9)
        #expect(f.registry.resolve("m", .latest).model?.version == 10)
    }
}
