import HTTPKit

/// The OpenAPI fragment of the MLflow REST API: one operation per `/api/2.0/mlflow` route
/// (the `/ajax-api/2.0/mlflow` copies are the same routes and are not repeated), with
/// MLflow's request fields — query parameters for GET, a JSON body otherwise — its answer
/// schemas, its error shape, and who may call it.
extension MLflowRoutes: OpenAPIDescribing {
    /// A request field: name, JSON schema text, whether required, description.
    typealias Field = (name: String, schema: String, required: Bool, description: String)

    struct Operation {
        var method: HTTPMethod
        var path: String
        var id: String
        var summary: String
        var fields: [Field]
        /// The 200 answer's schema (JSON text).
        var answer: String
        var description = ""
    }

    static let string = ##"{"type": "string"}"##
    static let integer = ##"{"type": "integer", "format": "int64"}"##
    static let strings = ##"{"type": "array", "items": {"type": "string"}}"##
    static let keyValues = ##"{"type": "array", "items": {"$ref": "#/components/schemas/MLflowKeyValue"}}"##
    static let empty = ##"{"type": "object", "maxProperties": 0}"##

    /// `{"<key>": schema}`; a list is optional (MLflow leaves out empty repeated fields).
    static func wrap(_ key: String, _ schema: String, paged: Bool = false) -> String {
        let token = paged ? ##", "next_page_token": {"type": "string"}"## : ""
        let required = schema.hasPrefix(##"{"type": "array""##) ? "" : ##""required": ["\##(key)"], "##
        return ##"{"type": "object", \##(required)"properties": {"\##(key)": \##(schema)\##(token)}}"##
    }

    static func ref(_ name: String) -> String { ##"{"$ref": "#/components/schemas/\##(name)"}"## }
    static func array(_ name: String) -> String { ##"{"type": "array", "items": {"$ref": "#/components/schemas/\##(name)"}}"## }

    static let search: [Field] = [
        ("filter", string, false, "MLflow filter: `name = 'x'`, `name LIKE 'x%'`, `name ILIKE ...`, `tags.<key> = 'v'`, joined by AND."),
        ("max_results", integer, false, "Page size."),
        ("order_by", strings, false, "`<key> [ASC|DESC]` terms."),
        ("page_token", string, false, "The `next_page_token` of the previous page."),
    ]

    static var operations: [Operation] {
        let name: Field = ("name", string, true, "Registered model name.")
        let version: Field = ("version", string, true, "Version number (a string).")
        let runID: Field = ("run_id", string, true, "Run id (`run_uuid` is accepted too).")
        let experimentID: Field = ("experiment_id", string, true, "Experiment id (a decimal string; \"0\" is Default).")
        let model = wrap("registered_model", ref("MLflowRegisteredModel"))
        let modelVersion = wrap("model_version", ref("MLflowModelVersion"))
        return [
            Operation(method: .post, path: "registered-models/create", id: "mlflowCreateRegisteredModel", summary: "Create a registered model",
                      fields: [name, ("tags", keyValues, false, "Tags."), ("description", string, false, "Description.")], answer: model),
            Operation(method: .get, path: "registered-models/get", id: "mlflowGetRegisteredModel", summary: "Get a registered model", fields: [name], answer: model),
            Operation(method: .get, path: "registered-models/search", id: "mlflowSearchRegisteredModels", summary: "Search registered models",
                      fields: search, answer: wrap("registered_models", array("MLflowRegisteredModel"), paged: true),
                      description: "max_results: default 100, at most 1000. order_by keys: name, last_updated_timestamp (alias timestamp), creation_timestamp; ties by name."),
            Operation(method: .patch, path: "registered-models/update", id: "mlflowUpdateRegisteredModel", summary: "Update a registered model's description",
                      fields: [name, ("description", string, false, "New description.")], answer: model),
            Operation(method: .post, path: "registered-models/rename", id: "mlflowRenameRegisteredModel", summary: "Rename a registered model (its versions and aliases follow)",
                      fields: [name, ("new_name", string, true, "New name.")], answer: model),
            Operation(method: .delete, path: "registered-models/delete", id: "mlflowDeleteRegisteredModel", summary: "Delete a registered model with its versions", fields: [name], answer: empty),
            Operation(method: .post, path: "registered-models/set-tag", id: "mlflowSetRegisteredModelTag", summary: "Set a registered model tag",
                      fields: [name, ("key", string, true, "Tag key."), ("value", string, true, "Tag value.")], answer: empty),
            Operation(method: .delete, path: "registered-models/delete-tag", id: "mlflowDeleteRegisteredModelTag", summary: "Delete a registered model tag",
                      fields: [name, ("key", string, true, "Tag key.")], answer: empty),
            Operation(method: .post, path: "registered-models/get-latest-versions", id: "mlflowGetLatestVersionsPost", summary: "Latest version per stage",
                      fields: [name, ("stages", strings, false, "Stages (None, Staging, Production, Archived); all when empty.")], answer: wrap("model_versions", array("MLflowModelVersion"))),
            Operation(method: .get, path: "registered-models/get-latest-versions", id: "mlflowGetLatestVersions", summary: "Latest version per stage",
                      fields: [name, ("stages", strings, false, "Stages; all when empty.")], answer: wrap("model_versions", array("MLflowModelVersion"))),
            Operation(method: .post, path: "registered-models/alias", id: "mlflowSetAlias", summary: "Point an alias at a version (moves what name@alias serves)",
                      fields: [name, ("alias", string, true, "Alias: letters, digits, _ and -; not latest or v<number>."), version], answer: empty,
                      description: "The version must be READY. The alias `production` is what the bare model name serves."),
            Operation(method: .delete, path: "registered-models/alias", id: "mlflowDeleteAlias", summary: "Remove an alias",
                      fields: [name, ("alias", string, true, "Alias.")], answer: empty),
            Operation(method: .get, path: "registered-models/alias", id: "mlflowGetVersionByAlias", summary: "The version an alias names",
                      fields: [name, ("alias", string, true, "Alias.")], answer: modelVersion),
            Operation(method: .post, path: "model-versions/create", id: "mlflowCreateModelVersion", summary: "Register a model version from a source",
                      fields: [name, ("source", string, true, "An ONNX file or MLflow model directory (onnx flavor): absolute path, file:// URI or runs:/<run_id>/<path>, under MONOLITH_MLFLOW_SOURCE_ROOT."),
                               ("run_id", string, false, "The run that produced it."), ("tags", keyValues, false, "Tags."),
                               ("run_link", string, false, "Link to the run."), ("description", string, false, "Description.")],
                      answer: modelVersion,
                      description: "Answers PENDING_REGISTRATION; the import (read, validate, store, load) runs in the background and the version becomes READY, or FAILED_REGISTRATION with status_message. Sources this server cannot fetch (s3://, mlflow-artifacts:/, models:/, http...) are recorded FAILED_REGISTRATION; a local path outside the source root, or any local path when none is configured, is a 400."),
            Operation(method: .get, path: "model-versions/get", id: "mlflowGetModelVersion", summary: "Get a model version (poll it after create)", fields: [name, version], answer: modelVersion),
            Operation(method: .get, path: "model-versions/search", id: "mlflowSearchModelVersions", summary: "Search model versions",
                      fields: search, answer: wrap("model_versions", array("MLflowModelVersion"), paged: true),
                      description: "filter keys: name, run_id, source_path, version_number, current_stage, status, tags.<key>. max_results: default 10000, at most 200000. Default order: last_updated_timestamp DESC, name ASC, version_number DESC."),
            Operation(method: .patch, path: "model-versions/update", id: "mlflowUpdateModelVersion", summary: "Update a version's description",
                      fields: [name, version, ("description", string, false, "New description.")], answer: modelVersion),
            Operation(method: .delete, path: "model-versions/delete", id: "mlflowDeleteModelVersion", summary: "Delete a version (and the aliases naming it)", fields: [name, version], answer: empty),
            Operation(method: .post, path: "model-versions/transition-stage", id: "mlflowTransitionStage", summary: "Move a version to a stage",
                      fields: [name, version, ("stage", string, true, "None, Staging, Production or Archived (any case)."),
                               ("archive_existing_versions", ##"{"type": "boolean"}"##, false, "Archive the other versions in that stage.")],
                      answer: modelVersion,
                      description: "Production also points the alias `production` (what the bare model name serves) at the version, which must be READY; moving the version `production` names out of Production removes that alias."),
            Operation(method: .get, path: "model-versions/get-download-uri", id: "mlflowGetDownloadUri", summary: "A version's source URI",
                      fields: [name, version], answer: wrap("artifact_uri", string)),
            Operation(method: .post, path: "model-versions/set-tag", id: "mlflowSetModelVersionTag", summary: "Set a version tag",
                      fields: [name, version, ("key", string, true, "Tag key."), ("value", string, true, "Tag value.")], answer: empty),
            Operation(method: .delete, path: "model-versions/delete-tag", id: "mlflowDeleteModelVersionTag", summary: "Delete a version tag",
                      fields: [name, version, ("key", string, true, "Tag key.")], answer: empty),
        ] + trackingOperations(runID: runID, experimentID: experimentID)
    }

    static func trackingOperations(runID: Field, experimentID: Field) -> [Operation] {
        let searchExperiments: [Field] = search + [("view_type", ##"{"type": "string", "enum": ["ACTIVE_ONLY", "DELETED_ONLY", "ALL"]}"##, false, "Lifecycle filter (default ACTIVE_ONLY).")]
        let metric: [Field] = [runID, ("key", string, true, "Metric name."), ("value", ##"{"type": ["number", "string"]}"##, true, "Value; \"NaN\", \"Infinity\", \"-Infinity\" as strings."),
                               ("timestamp", integer, true, "Milliseconds since the epoch."), ("step", integer, false, "Step (default 0).")]
        return [
            Operation(method: .post, path: "experiments/create", id: "mlflowCreateExperiment", summary: "Create an experiment",
                      fields: [("name", string, true, "Unique name."), ("artifact_location", string, false, "Where runs keep artifacts (default mlflow-artifacts:/<id>)."), ("tags", keyValues, false, "Tags.")],
                      answer: wrap("experiment_id", string)),
            Operation(method: .get, path: "experiments/get", id: "mlflowGetExperiment", summary: "Get an experiment", fields: [experimentID], answer: wrap("experiment", ref("MLflowExperiment"))),
            Operation(method: .get, path: "experiments/get-by-name", id: "mlflowGetExperimentByName", summary: "Get an experiment by name",
                      fields: [("experiment_name", string, true, "Name.")], answer: wrap("experiment", ref("MLflowExperiment"))),
            Operation(method: .post, path: "experiments/search", id: "mlflowSearchExperimentsPost", summary: "Search experiments",
                      fields: searchExperiments, answer: wrap("experiments", array("MLflowExperiment"), paged: true)),
            Operation(method: .get, path: "experiments/search", id: "mlflowSearchExperiments", summary: "Search experiments",
                      fields: searchExperiments, answer: wrap("experiments", array("MLflowExperiment"), paged: true)),
            Operation(method: .post, path: "experiments/update", id: "mlflowUpdateExperiment", summary: "Rename an experiment",
                      fields: [experimentID, ("new_name", string, false, "New name.")], answer: empty),
            Operation(method: .post, path: "experiments/delete", id: "mlflowDeleteExperiment", summary: "Mark an experiment deleted", fields: [experimentID], answer: empty),
            Operation(method: .post, path: "experiments/restore", id: "mlflowRestoreExperiment", summary: "Restore a deleted experiment", fields: [experimentID], answer: empty),
            Operation(method: .post, path: "experiments/set-experiment-tag", id: "mlflowSetExperimentTag", summary: "Set an experiment tag",
                      fields: [experimentID, ("key", string, true, "Tag key."), ("value", string, true, "Tag value.")], answer: empty),
            Operation(method: .post, path: "runs/create", id: "mlflowCreateRun", summary: "Start a run",
                      fields: [("experiment_id", string, false, "Experiment (default \"0\")."), ("user_id", string, false, "User."), ("run_name", string, false, "Name."),
                               ("start_time", integer, false, "Milliseconds since the epoch."), ("tags", keyValues, false, "Tags.")],
                      answer: wrap("run", ref("MLflowRun"))),
            Operation(method: .get, path: "runs/get", id: "mlflowGetRun", summary: "Get a run (latest value of each metric)", fields: [runID], answer: wrap("run", ref("MLflowRun"))),
            Operation(method: .post, path: "runs/update", id: "mlflowUpdateRun", summary: "Update a run's status, end time or name",
                      fields: [runID, ("status", ##"{"type": "string", "enum": ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"]}"##, false, "Status."),
                               ("end_time", integer, false, "Milliseconds since the epoch."), ("run_name", string, false, "Name.")],
                      answer: wrap("run_info", ref("MLflowRunInfo"))),
            Operation(method: .post, path: "runs/delete", id: "mlflowDeleteRun", summary: "Mark a run deleted", fields: [runID], answer: empty),
            Operation(method: .post, path: "runs/restore", id: "mlflowRestoreRun", summary: "Restore a deleted run", fields: [runID], answer: empty),
            Operation(method: .post, path: "runs/log-parameter", id: "mlflowLogParam", summary: "Log a parameter (immutable once logged)",
                      fields: [runID, ("key", string, true, "Name."), ("value", string, true, "Value.")], answer: empty),
            Operation(method: .post, path: "runs/log-metric", id: "mlflowLogMetric", summary: "Log a metric value (every value is kept)", fields: metric, answer: empty),
            Operation(method: .post, path: "runs/log-batch", id: "mlflowLogBatch", summary: "Log metrics, params and tags at once (all or nothing)",
                      fields: [runID, ("metrics", array("MLflowMetric"), false, "At most 1000."), ("params", keyValues, false, "At most 100."), ("tags", keyValues, false, "At most 100.")],
                      answer: empty),
            Operation(method: .post, path: "runs/set-tag", id: "mlflowSetTag", summary: "Set a run tag",
                      fields: [runID, ("key", string, true, "Tag key."), ("value", string, true, "Tag value.")], answer: empty),
            Operation(method: .post, path: "runs/delete-tag", id: "mlflowDeleteTag", summary: "Delete a run tag", fields: [runID, ("key", string, true, "Tag key.")], answer: empty),
            Operation(method: .post, path: "runs/search", id: "mlflowSearchRuns", summary: "Search runs",
                      fields: [("experiment_ids", strings, false, "Experiments."),
                               ("filter", string, false, "attributes.<status|run_name|start_time|...>, params.<key>, tags.<key>, metrics.<key> comparisons joined by AND."),
                               ("run_view_type", ##"{"type": "string", "enum": ["ACTIVE_ONLY", "DELETED_ONLY", "ALL"]}"##, false, "Lifecycle filter."),
                               ("max_results", integer, false, "Page size (default 1000, at most 50000)."), ("order_by", strings, false, "Terms."), ("page_token", string, false, "Next page.")],
                      answer: wrap("runs", array("MLflowRun"), paged: true)),
            Operation(method: .get, path: "metrics/get-history", id: "mlflowGetMetricHistory", summary: "Every value of a metric, by step",
                      fields: [runID, ("metric_key", string, true, "Metric name."), ("max_results", integer, false, "Page size."), ("page_token", string, false, "Next page.")],
                      answer: wrap("metrics", array("MLflowMetric"), paged: true)),
        ]
    }

    var openAPIFragment: String {
        var paths: [String: [String]] = [:]
        var order: [String] = []
        let access = Dictionary(MLflowRoutes.endpoints.map { ("\($0.method.rawValue) \($0.path)", $0.access) }, uniquingKeysWith: { a, _ in a })
        for operation in MLflowRoutes.operations {
            let path = MLflowRoutes.prefixes[0] + "/" + operation.path
            if paths[path] == nil { order.append(path) }
            paths[path, default: []].append(MLflowRoutes.describe(operation, admin: access["\(operation.method.rawValue) \(operation.path)"] == .admin))
        }
        let pathText = order.map { path in "\"\(path)\": {\((paths[path] ?? []).joined(separator: ", "))}" }.joined(separator: ",\n    ")
        return ##"""
        {
          "tags": [{"name": "MLflow", "description": "MLflow's tracking and model-registry REST API (the routes the mlflow client calls), also served under /ajax-api/2.0/mlflow for MLflow's UI. Registered models and versions are the registry's own: what is registered here is served by /v2, /v1, /invocations. Every call needs an admin key, as every /api/ route (MLFLOW_TRACKING_TOKEN=<key> makes the client send it). Errors: {\"error_code\", \"message\"}."}],
          "paths": {
            \##(pathText)
          },
          "components": {
            "securitySchemes": {
              "bearerAuth": {"type": "http", "scheme": "bearer", "description": "An API key from 'monolith keys create' or POST /api/keys."},
              "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"}
            },
            "schemas": \##(MLflowRoutes.schemas),
            "responses": {
              "MLflowRESTBadRequest": {"description": "INVALID_PARAMETER_VALUE (a missing or malformed field, a filter MLflow would refuse), RESOURCE_ALREADY_EXISTS, or BAD_REQUEST (malformed JSON).", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MLflowError"}, "example": {"error_code": "RESOURCE_ALREADY_EXISTS", "message": "registered model 'churn' already exists"}}}},
              "MLflowRESTNotFound": {"description": "RESOURCE_DOES_NOT_EXIST.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MLflowError"}, "example": {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "registered model 'churn' not found"}}}},
              "MLflowRESTUnauthorized": {"description": "UNAUTHENTICATED: no API key, or not a valid one.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MLflowError"}}}},
              "MLflowRESTForbidden": {"description": "PERMISSION_DENIED: the key's scope does not allow this route (the MLflow API needs an admin key).", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MLflowError"}}}},
              "MLflowRESTTooLarge": {"description": "The body is over the route's limit.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MLflowError"}}}},
              "MLflowRESTTooManyRequests": {"description": "REQUEST_LIMIT_EXCEEDED (Retry-After says when to retry).", "headers": {"Retry-After": {"schema": {"type": "integer"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MLflowError"}}}}
            }
          }
        }
        """##
    }

    /// One operation object (`"get": {...}`).
    static func describe(_ operation: Operation, admin: Bool) -> String {
        var parts: [String] = [
            ##""tags": ["MLflow"]"##,
            ##""summary": "\##(escape(operation.summary))""##,
            ##""operationId": "\##(operation.id)""##,
        ]
        let who = admin ? "Needs an admin key." : "Open unless MONOLITH_AUTH=required (then a predict or admin key)."
        parts.append(##""description": "\##(escape((operation.description.isEmpty ? "" : operation.description + " ") + who))""##)
        parts.append(admin ? ##""security": [{"bearerAuth": []}, {"apiKeyHeader": []}]"## : ##""security": [{}, {"bearerAuth": []}, {"apiKeyHeader": []}]"##)
        if operation.method == .get {
            let parameters = operation.fields.map { field -> String in
                let explode = field.schema.contains(##""type": "array""##) ? ##", "style": "form", "explode": true"## : ""
                return ##"{"name": "\##(field.name)", "in": "query", "required": \##(field.required), "description": "\##(escape(field.description))", "schema": \##(field.schema)\##(explode)}"##
            }
            parts.append(##""parameters": [\##(parameters.joined(separator: ", "))]"##)
        } else {
            let properties = operation.fields.map { ##""\##($0.name)": \##(withDescription($0.schema, $0.description))"## }
            let required = operation.fields.filter(\.required).map { ##""\##($0.name)""## }
            let requiredList = required.isEmpty ? "" : ##""required": [\##(required.joined(separator: ", "))], "##
            parts.append(##""requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", \##(requiredList)"properties": {\##(properties.joined(separator: ", "))}}}}}"##)
        }
        var responses = [
            ##""200": {"description": "OK", "content": {"application/json": {"schema": \##(operation.answer)}}}"##,
            ##""400": {"$ref": "#/components/responses/MLflowRESTBadRequest"}"##,
            ##""401": {"$ref": "#/components/responses/MLflowRESTUnauthorized"}"##,
            ##""403": {"$ref": "#/components/responses/MLflowRESTForbidden"}"##,
            ##""404": {"$ref": "#/components/responses/MLflowRESTNotFound"}"##,
            ##""429": {"$ref": "#/components/responses/MLflowRESTTooManyRequests"}"##,
        ]
        if operation.method != .get { responses.append(##""413": {"$ref": "#/components/responses/MLflowRESTTooLarge"}"##) }
        parts.append(##""responses": {\##(responses.joined(separator: ", "))}"##)
        return "\"\(operation.method.rawValue.lowercased())\": {\(parts.joined(separator: ", "))}"
    }

    /// `{"$ref": ...}` cannot take siblings in every validator: wrap it.
    static func withDescription(_ schema: String, _ description: String) -> String {
        if schema.hasPrefix(##"{"$ref""##) { return ##"{"allOf": [\##(schema)], "description": "\##(escape(description))"}"## }
        return String(schema.dropLast()) + ##", "description": "\##(escape(description))"}"##
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for c in text.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static let schemas = ##"""
    {
      "MLflowKeyValue": {"type": "object", "required": ["key"], "properties": {"key": {"type": "string"}, "value": {"type": "string"}}},
      "MLflowModelVersion": {"type": "object", "required": ["name", "version", "creation_timestamp", "last_updated_timestamp", "current_stage", "source", "status"], "properties": {
        "name": {"type": "string"}, "version": {"type": "string", "description": "The version number, as a string."},
        "creation_timestamp": {"type": "integer", "format": "int64"}, "last_updated_timestamp": {"type": "integer", "format": "int64"},
        "user_id": {"type": "string"}, "current_stage": {"type": "string", "enum": ["None", "Staging", "Production", "Archived"]},
        "description": {"type": "string"}, "source": {"type": "string"}, "run_id": {"type": "string"},
        "status": {"type": "string", "enum": ["PENDING_REGISTRATION", "FAILED_REGISTRATION", "READY"]}, "status_message": {"type": "string"},
        "tags": {"type": "array", "items": {"$ref": "#/components/schemas/MLflowKeyValue"}}, "run_link": {"type": "string"},
        "aliases": {"type": "array", "items": {"type": "string"}}},
        "example": {"name": "churn", "version": "1", "creation_timestamp": 1700000000000, "last_updated_timestamp": 1700000000500, "current_stage": "None", "source": "file:///models/churn", "status": "READY", "aliases": ["production"]}},
      "MLflowRegisteredModel": {"type": "object", "required": ["name", "creation_timestamp", "last_updated_timestamp"], "properties": {
        "name": {"type": "string"}, "creation_timestamp": {"type": "integer", "format": "int64"}, "last_updated_timestamp": {"type": "integer", "format": "int64"},
        "user_id": {"type": "string"}, "description": {"type": "string"},
        "latest_versions": {"type": "array", "items": {"$ref": "#/components/schemas/MLflowModelVersion"}, "description": "The highest version in each stage."},
        "tags": {"type": "array", "items": {"$ref": "#/components/schemas/MLflowKeyValue"}},
        "aliases": {"type": "array", "items": {"type": "object", "required": ["alias", "version"], "properties": {"alias": {"type": "string"}, "version": {"type": "string"}}}}}},
      "MLflowExperiment": {"type": "object", "required": ["experiment_id", "name", "artifact_location", "lifecycle_stage"], "properties": {
        "experiment_id": {"type": "string"}, "name": {"type": "string"}, "artifact_location": {"type": "string"},
        "lifecycle_stage": {"type": "string", "enum": ["active", "deleted"]},
        "last_update_time": {"type": "integer", "format": "int64"}, "creation_time": {"type": "integer", "format": "int64"},
        "tags": {"type": "array", "items": {"$ref": "#/components/schemas/MLflowKeyValue"}}}},
      "MLflowRunInfo": {"type": "object", "required": ["run_id", "run_uuid", "experiment_id", "status", "artifact_uri", "lifecycle_stage"], "properties": {
        "run_id": {"type": "string"}, "run_uuid": {"type": "string"}, "run_name": {"type": "string"}, "experiment_id": {"type": "string"},
        "user_id": {"type": "string"}, "status": {"type": "string", "enum": ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"]},
        "start_time": {"type": "integer", "format": "int64"}, "end_time": {"type": "integer", "format": "int64"},
        "artifact_uri": {"type": "string"}, "lifecycle_stage": {"type": "string", "enum": ["active", "deleted"]}}},
      "MLflowMetric": {"type": "object", "required": ["key", "value", "timestamp"], "properties": {
        "key": {"type": "string"}, "value": {"type": ["number", "string"], "description": "A number; NaN and infinities as the strings \"NaN\", \"Infinity\", \"-Infinity\"."},
        "timestamp": {"type": "integer", "format": "int64"}, "step": {"type": "integer", "format": "int64"}}},
      "MLflowRun": {"type": "object", "required": ["info", "data"], "properties": {
        "info": {"$ref": "#/components/schemas/MLflowRunInfo"},
        "data": {"type": "object", "properties": {
          "metrics": {"type": "array", "items": {"$ref": "#/components/schemas/MLflowMetric"}, "description": "The latest value of each metric."},
          "params": {"type": "array", "items": {"$ref": "#/components/schemas/MLflowKeyValue"}},
          "tags": {"type": "array", "items": {"$ref": "#/components/schemas/MLflowKeyValue"}}}},
        "inputs": {"type": "object"}}},
      "MLflowError": {"type": "object", "required": ["error_code", "message"], "properties": {"error_code": {"type": "string", "example": "RESOURCE_DOES_NOT_EXIST"}, "message": {"type": "string"}, "stack_trace": {"type": "string"}}}
    }
    """##
}
