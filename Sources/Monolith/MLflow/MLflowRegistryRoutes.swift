import HTTPKit
import StoreKitLite

/// The model-registry half of the MLflow API (mlflow/protos/model_registry.proto):
/// `registered-models/*` and `model-versions/*`.
///
/// Stages and aliases: MLflow deprecated stages for aliases, and Monolith serves `{m}` from
/// the alias `production` (PROTOCOLS.md §5). So that a client still on stages gets what it
/// asks for, `transition-stage` to Production also points `production` at the version (which
/// must then be READY), and moving the version that alias names out of Production removes
/// the alias (`{m}` falls back to the highest ready version). Setting aliases never changes
/// stages.
enum MLflowRegistryRoutes {
    typealias Endpoint = MLflowRoutes.Endpoint

    static var endpoints: [Endpoint] {
        [
            Endpoint(.post, "registered-models/create", .admin, createModel),
            Endpoint(.get, "registered-models/get", .admin, getModel),
            Endpoint(.get, "registered-models/search", .admin, searchModels),
            Endpoint(.patch, "registered-models/update", .admin, updateModel),
            Endpoint(.post, "registered-models/rename", .admin, renameModel),
            Endpoint(.delete, "registered-models/delete", .admin, deleteModel),
            Endpoint(.post, "registered-models/set-tag", .admin, setModelTag),
            Endpoint(.delete, "registered-models/delete-tag", .admin, deleteModelTag),
            Endpoint(.post, "registered-models/get-latest-versions", .admin, latestVersions),
            Endpoint(.get, "registered-models/get-latest-versions", .admin, latestVersions),
            Endpoint(.post, "registered-models/alias", .admin, setAlias),
            Endpoint(.delete, "registered-models/alias", .admin, deleteAlias),
            Endpoint(.get, "registered-models/alias", .admin, getAlias),
            Endpoint(.post, "model-versions/create", .admin, createVersion),
            Endpoint(.get, "model-versions/get", .admin, getVersion),
            Endpoint(.get, "model-versions/search", .admin, searchVersions),
            Endpoint(.patch, "model-versions/update", .admin, updateVersion),
            Endpoint(.delete, "model-versions/delete", .admin, deleteVersion),
            Endpoint(.post, "model-versions/transition-stage", .admin, transitionStage),
            Endpoint(.get, "model-versions/get-download-uri", .admin, downloadURI),
            Endpoint(.post, "model-versions/set-tag", .admin, setVersionTag),
            Endpoint(.delete, "model-versions/delete-tag", .admin, deleteVersionTag),
        ]
    }

    // MARK: Registered models

    static func createModel(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let name = try f.required("name")
        let model = try s.store.createModel(name: name, description: try f.string("description") ?? "",
                                            tags: try f.keyValueDictionary("tags"), actor: actor)
        return modelResponse(model, latest: [])
    }

    static func getModel(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let name = try f.required("name")
        let model = try s.store.model(named: name)
        return modelResponse(model, latest: MLflowJSON.latestPerStage(try s.store.versions(of: name)))
    }

    static func updateModel(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let name = try f.required("name")
        let model = try s.store.updateModel(named: name, description: try f.string("description") ?? "")
        return modelResponse(model, latest: MLflowJSON.latestPerStage(try s.store.versions(of: name)))
    }

    static func renameModel(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let name = try f.required("name")
        let newName = try f.required("new_name")
        try s.refuseFolderOwned(name, action: "rename")
        let model = try s.store.renameModel(name, to: newName, actor: actor)
        s.refreshServing()
        return modelResponse(model, latest: MLflowJSON.latestPerStage(try s.store.versions(of: newName)))
    }

    static func deleteModel(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let name = try f.required("name")
        try s.refuseFolderOwned(name, action: "delete")
        try s.store.deleteModel(named: name, actor: actor)
        s.refreshServing()
        return MLflowJSON.empty
    }

    static func setModelTag(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        try s.store.setModelTag(model: try f.required("name"), key: try f.required("key"), value: try f.string("value") ?? "")
        return MLflowJSON.empty
    }

    /// Deleting an absent tag is not an error (MLflow's stores ignore it); an unknown model is.
    static func deleteModelTag(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let name = try f.required("name")
        let key = try f.required("key")
        _ = try s.store.model(named: name)
        do { try s.store.deleteModelTag(model: name, key: key) } catch let e as StoreError where e.code == .notFound {}
        return MLflowJSON.empty
    }

    static func latestVersions(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let name = try f.required("name")
        var stages: [VersionStage] = []
        for text in try f.strings("stages") { stages.append(try stage(text)) }
        let versions = MLflowJSON.latestPerStage(try s.store.versions(of: name), stages: stages)
        return versionsResponse(versions)
    }

    static func searchModels(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let (filter, excludePrompts) = try MLflowFilter(parsing: try f.string("filter")).promptHandling()
        for clause in filter.clauses where !(clause.entity == .tag || (clause.entity == .attribute && clause.key == "name")) {
            throw MLflowError(.invalidParameterValue, "Invalid attribute name: \(MLflowFields.printable(clause.key)) (registered models are searched by name and tags.<key>)")
        }
        let limit = try MLflowPaging.maxResults(f, default: 100, maximum: 1000)
        var order = try MLflowPaging.order(try f.strings("order_by"), valid: "['name', 'last_updated_timestamp', 'timestamp', 'creation_timestamp']") { entity, key in
            guard entity == .attribute else { return nil }
            switch key {
            case "name": return "name"
            case "last_updated_timestamp", "timestamp", "last_updated_time": return "last_updated_timestamp"
            case "creation_timestamp", "creation_time": return "creation_timestamp"
            default: return nil
            }
        }
        if !order.contains(where: { $0.key == "name" }) { order.append(.init(entity: .attribute, key: "name", ascending: true)) }
        let offset = try MLflowPaging.offset(token: try f.string("page_token"))
        var entries: [RegistryEntry] = []
        for entry in try s.store.registrySnapshot().models.values {
            var keep = !(excludePrompts && MLflowFilter.isPrompt(entry.model.tags))
            for clause in filter.clauses where keep {
                let text = clause.entity == .tag ? entry.model.tags[clause.key] : entry.model.name
                keep = try MLflowFilter.matches(text, clause)
            }
            if keep { entries.append(entry) }
        }
        let sorted = MLflowPaging.sort(entries, by: order) { entry, term in
            switch term.key {
            case "name": return .text(entry.model.name)
            case "creation_timestamp": return .number(Double(entry.model.createdAt))
            default: return .number(Double(entry.model.updatedAt))
            }
        }
        let (page, next) = MLflowPaging.page(sorted, offset: offset, limit: limit)
        return Response.json { json in
            json.beginObject()
            // Empty repeated fields are left out, as MLflow's server (proto3 JSON) does.
            if !page.isEmpty {
                json.key("registered_models")
                json.beginArray()
                for entry in page { MLflowJSON.write(entry.model, latest: MLflowJSON.latestPerStage(entry.versions), into: &json) }
                json.endArray()
            }
            if let next { json.key("next_page_token"); json.string(next) }
            json.endObject()
        }
    }

    // MARK: Aliases

    static func setAlias(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let name = try f.required("name")
        let alias = try f.required("alias")
        try s.registry.setAlias(alias, model: name, version: try versionNumber(f), actor: actor)
        return MLflowJSON.empty
    }

    /// Deleting an absent alias is not an error (as in MLflow); an unknown model is.
    static func deleteAlias(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let name = try f.required("name")
        let alias = try f.required("alias")
        let model = try s.store.model(named: name)
        if model.aliases[alias] != nil { try s.registry.removeAlias(alias, model: name, actor: actor) }
        return MLflowJSON.empty
    }

    static func getAlias(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let name = try f.required("name")
        let alias = try f.required("alias")
        let model = try s.store.model(named: name)
        guard let number = model.aliases[alias] else {
            throw MLflowError(.resourceDoesNotExist, "Registered model alias \(MLflowFields.printable(alias)) not found.")
        }
        return versionResponse(try s.store.version(model: name, number: number))
    }

    // MARK: Model versions

    static func createVersion(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let name = try f.required("name")
        let source = try f.required("source")
        let runID = try f.string("run_id").flatMap { $0.isEmpty ? nil : $0 }
        var details = MLflowVersionImporter.Details()
        details.runID = runID
        details.runLink = try f.string("run_link").flatMap { $0.isEmpty ? nil : $0 }
        details.description = try f.string("description") ?? ""
        details.tags = try f.keyValueDictionary("tags")
        return versionResponse(try s.importer.createVersion(name: name, source: source, details: details, actor: actor))
    }

    static func getVersion(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let name = try f.required("name")
        return versionResponse(try s.store.version(model: name, number: try versionNumber(f)))
    }

    static func updateVersion(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let name = try f.required("name")
        let number = try versionNumber(f)
        return versionResponse(try s.store.updateVersion(model: name, number: number, description: try f.string("description") ?? ""))
    }

    static func deleteVersion(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let name = try f.required("name")
        try s.registry.deleteVersion(model: name, version: try versionNumber(f), actor: actor)
        return MLflowJSON.empty
    }

    static func transitionStage(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let name = try f.required("name")
        let number = try versionNumber(f)
        let target = try stage(try f.required("stage"))
        let archive = try f.bool("archive_existing_versions") ?? false
        if archive && target != .staging && target != .production {
            throw MLflowError(.invalidParameterValue, "Model version transition cannot archive existing model versions because '\(target.rawValue)' is not an Active stage. Valid stages are ['Staging', 'Production']")
        }
        let current = try s.store.version(model: name, number: number)
        if target == .production {
            guard current.status == .ready, !current.isRecordOnly else {
                throw MLflowError(.invalidParameterValue, "version \(number) of model '\(name)' is \(MLflowJSON.status(current.status)), not READY: only a servable version can become Production (Production is what '\(name)' serves, through its alias '\(VersionSelector.productionAlias)')")
            }
        }
        let aliasTarget = try s.store.model(named: name).aliases[VersionSelector.productionAlias]
        try s.store.transitionStage(model: name, number: number, to: target, archiveExistingVersions: archive, actor: actor)
        if target == .production {
            try s.registry.setAlias(VersionSelector.productionAlias, model: name, version: number, actor: actor)
        } else if aliasTarget == number {
            try s.registry.removeAlias(VersionSelector.productionAlias, model: name, actor: actor)
        }
        return versionResponse(try s.store.version(model: name, number: number))
    }

    /// MLflow answers the version's storage location, which here is its source.
    static func downloadURI(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let name = try f.required("name")
        let version = try s.store.version(model: name, number: try versionNumber(f))
        let uri = version.source.location.isEmpty ? "models:/\(name)/\(version.version)" : version.source.location
        return Response.json { json in
            json.beginObject()
            json.key("artifact_uri"); json.string(uri)
            json.endObject()
        }
    }

    static func setVersionTag(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        try s.store.setVersionTag(model: try f.required("name"), number: try versionNumber(f), key: try f.required("key"),
                                  value: try f.string("value") ?? "")
        return MLflowJSON.empty
    }

    static func deleteVersionTag(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let name = try f.required("name")
        let number = try versionNumber(f)
        let key = try f.required("key")
        _ = try s.store.version(model: name, number: number)
        do { try s.store.deleteVersionTag(model: name, number: number, key: key) } catch let e as StoreError where e.code == .notFound {}
        return MLflowJSON.empty
    }

    static func searchVersions(_ f: MLflowFields, _ s: MLflowService, _ actor: String?) throws -> Response {
        let (filter, excludePrompts) = try MLflowFilter(parsing: try f.string("filter")).promptHandling()
        let known: Set<String> = ["name", "run_id", "source_path", "version_number", "current_stage", "status"]
        for clause in filter.clauses where clause.entity != .tag && !(clause.entity == .attribute && known.contains(clause.key)) {
            throw MLflowError(.invalidParameterValue, "Invalid attribute key '\(MLflowFields.printable(clause.key))' specified. Valid keys are \(known.sorted()) and tags.<key>")
        }
        let limit = try MLflowPaging.maxResults(f, default: 10_000, maximum: 200_000)
        let orderText = try f.strings("order_by")
        let terms = orderText.isEmpty ? ["last_updated_timestamp DESC", "name ASC", "version_number DESC"] : orderText
        var order = try MLflowPaging.order(terms, valid: "['name', 'version_number', 'creation_timestamp', 'last_updated_timestamp']") { entity, key in
            guard entity == .attribute else { return nil }
            switch key {
            case "name", "version_number", "creation_timestamp", "last_updated_timestamp": return key
            case "timestamp": return "last_updated_timestamp"
            default: return nil
            }
        }
        if !order.contains(where: { $0.key == "name" }) { order.append(.init(entity: .attribute, key: "name", ascending: true)) }
        if !order.contains(where: { $0.key == "version_number" }) { order.append(.init(entity: .attribute, key: "version_number", ascending: false)) }
        let offset = try MLflowPaging.offset(token: try f.string("page_token"))
        var matched: [ModelVersion] = []
        for entry in try s.store.registrySnapshot().models.values where !(excludePrompts && MLflowFilter.isPrompt(entry.model.tags)) {
            for version in entry.versions where try matches(version, filter) && !(excludePrompts && MLflowFilter.isPrompt(version.tags)) {
                matched.append(version)
            }
        }
        let sorted = MLflowPaging.sort(matched, by: order) { version, term in
            switch term.key {
            case "name": return .text(version.modelName)
            case "version_number": return .number(Double(version.version))
            case "creation_timestamp": return .number(Double(version.createdAt))
            default: return .number(Double(version.updatedAt))
            }
        }
        let (page, next) = MLflowPaging.page(sorted, offset: offset, limit: limit)
        return Response.json { json in
            json.beginObject()
            // Empty repeated fields are left out, as MLflow's server (proto3 JSON) does.
            if !page.isEmpty {
                json.key("model_versions")
                json.beginArray()
                for version in page { MLflowJSON.write(version, into: &json) }
                json.endArray()
            }
            if let next { json.key("next_page_token"); json.string(next) }
            json.endObject()
        }
    }

    static func matches(_ version: ModelVersion, _ filter: MLflowFilter) throws(MLflowError) -> Bool {
        for clause in filter.clauses {
            let ok: Bool
            switch (clause.entity, clause.key) {
            case (.tag, _): ok = try MLflowFilter.matches(version.tags[clause.key], clause)
            case (_, "name"): ok = try MLflowFilter.matches(version.modelName, clause)
            case (_, "run_id"): ok = try MLflowFilter.matches(version.runID, clause)
            case (_, "source_path"): ok = try MLflowFilter.matches(version.source.location, clause)
            case (_, "current_stage"): ok = try MLflowFilter.matches(version.stage.rawValue, clause)
            case (_, "status"): ok = try MLflowFilter.matches(MLflowJSON.status(version.status), clause)
            default:
                if case .string = clause.value, clause.comparator == .equal || clause.comparator == .notEqual {
                    ok = try MLflowFilter.matches(String(version.version), clause)
                } else {
                    ok = try MLflowFilter.matches(Double(version.version), clause)
                }
            }
            if !ok { return false }
        }
        return true
    }

    // MARK: Helpers

    /// The `version` field: a positive integer (MLflow sends it as a string).
    static func versionNumber(_ f: MLflowFields) throws(MLflowError) -> Int64 {
        let text = try f.required("version")
        guard let number = Int64(text), number >= 1 else {
            throw MLflowError(.invalidParameterValue, "Model version must be a positive integer, got '\(MLflowFields.printable(text))'")
        }
        return number
    }

    /// A stage name, any case (MLflow's `get_canonical_stage`).
    static func stage(_ text: String) throws(MLflowError) -> VersionStage {
        guard let stage = VersionStage(canonicalizing: text) else {
            throw MLflowError(.invalidParameterValue, "Invalid Model Version stage: \(MLflowFields.printable(text)). Value must be one of None, Staging, Production, Archived.")
        }
        return stage
    }

    static func modelResponse(_ model: RegisteredModel, latest: [ModelVersion]) -> Response {
        MLflowJSON.response("registered_model") { json in MLflowJSON.write(model, latest: latest, into: &json) }
    }

    static func versionResponse(_ version: ModelVersion) -> Response {
        MLflowJSON.response("model_version") { json in MLflowJSON.write(version, into: &json) }
    }

    static func versionsResponse(_ versions: [ModelVersion]) -> Response {
        Response.json { json in
            json.beginObject()
            // Empty repeated fields are left out, as MLflow's server (proto3 JSON) does.
            if !versions.isEmpty {
                json.key("model_versions")
                json.beginArray()
                for version in versions { MLflowJSON.write(version, into: &json) }
                json.endArray()
            }
            json.endObject()
        }
    }
}
