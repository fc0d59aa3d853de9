/// OpenAPI fragments of the TF Serving (V1), MLflow scoring and management routes.
extension V1Routes: OpenAPIDescribing {
    var openAPIFragment: String {
        var paths: [String] = []
        for (suffix, id, extra) in [
            ("", "", ""),
            ("/versions/{v}", "Version", ##", {"$ref": "#/components/parameters/ModelVersion"}"##),
            ("/labels/{l}", "Label", ##", {"name": "l", "in": "path", "required": true, "description": "An alias (label); `latest` is the highest ready version.", "schema": {"type": "string"}, "example": "production"}"##),
        ] {
            let parameters = ##"[{"$ref": "#/components/parameters/ModelName"}\##(extra)]"##
            paths.append(##""/v1/models/{m}\##(suffix)": {"parameters": \##(parameters), "get": {"tags": ["TensorFlow Serving (V1)"], "summary": "Model version status", "operationId": "v1ModelStatus\##(id)", "responses": {"200": {"description": "Status of every version (or the one asked for)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/V1ModelStatus"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}}}"##)
            paths.append(##""/v1/models/{m}\##(suffix):predict": {"parameters": \##(parameters), "post": {"tags": ["TensorFlow Serving (V1)"], "summary": "Predict", "operationId": "v1Predict\##(id)", "description": "`instances` (row format) answers `predictions`; `inputs` (columnar) answers `outputs`; both at once is a 400. NaN, Infinity and -Infinity are accepted; binary strings as {\"b64\": ...}.", "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/V1PredictRequest"}, "examples": {"rows": {"value": {"instances": [[0.5, 1.2, -0.3, 2.0, 0.0, 1.1, -1.4, 0.7]]}}, "columns": {"value": {"inputs": {"input": [[0.5, 1.2, -0.3, 2.0, 0.0, 1.1, -1.4, 0.7]]}}}}}}}, "responses": {"200": {"description": "Predictions (row format) or outputs (columnar)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/V1PredictResponse"}, "example": {"predictions": [[12.5]]}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}, "413": {"$ref": "#/components/responses/TooLarge"}, "503": {"$ref": "#/components/responses/Unavailable"}}}}"##)
        }
        return #"""
        {
          "tags": [{"name": "TensorFlow Serving (V1)", "description": "TensorFlow Serving's REST API, as KServe V1 also speaks it."}],
          "paths": {
            "/v1/models": {"get": {"tags": ["TensorFlow Serving (V1)"], "summary": "Model names", "operationId": "v1Models", "responses": {"200": {"description": "Every registered model", "content": {"application/json": {"schema": {"type": "object", "required": ["models"], "properties": {"models": {"type": "array", "items": {"type": "string"}}}}}}}}}},
            \#(paths.joined(separator: ",\n    "))
          },
          "components": {"schemas": {
            "V1ModelStatus": {"type": "object", "required": ["model_version_status"], "properties": {"model_version_status": {"type": "array", "items": {
              "type": "object", "required": ["version", "state", "status"], "properties": {
                "version": {"type": "string"}, "state": {"type": "string", "enum": ["LOADING", "AVAILABLE", "END"]},
                "status": {"type": "object", "required": ["error_code", "error_message"], "properties": {"error_code": {"type": "string"}, "error_message": {"type": "string"}}}}}}},
              "example": {"model_version_status": [{"version": "3", "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}}]}},
            "V1PredictRequest": {"type": "object", "properties": {
              "signature_name": {"type": "string"},
              "instances": {"type": "array", "description": "Row format: one value (or object naming each input) per row."},
              "inputs": {"description": "Columnar format: one value, or an object from input name to value."}},
              "description": "Exactly one of `instances` and `inputs`."},
            "V1PredictResponse": {"type": "object", "properties": {
              "predictions": {"type": "array", "description": "Row format: each row's value; objects naming each output when there are several."},
              "outputs": {"description": "Columnar format: the output, or an object from output name to value."}}}
          }}
        }
        """#
    }
}

extension MLflowScoringRoutes: OpenAPIDescribing {
    var openAPIFragment: String {
        let operation = { (id: String, summary: String) -> String in
            ##"{"tags": ["MLflow scoring"], "summary": "\##(summary)", "operationId": "\##(id)", "description": "A JSON object with exactly one of `dataframe_split`, `dataframe_records`, `instances`, `inputs` (plus optional `params`), or text/csv with a header row. Frames map to the model's inputs by column name, or all columns in order for a single-input model.", "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MLflowScoringRequest"}, "examples": {"dataframe_split": {"value": {"dataframe_split": {"columns": ["a", "b", "c", "d", "e", "f", "g", "h"], "data": [[0.5, 1.2, -0.3, 2.0, 0.0, 1.1, -1.4, 0.7]]}}}, "instances": {"value": {"instances": [[0.5, 1.2, -0.3, 2.0, 0.0, 1.1, -1.4, 0.7]]}}}}, "text/csv": {"schema": {"type": "string"}, "example": "a,b,c,d,e,f,g,h\n0.5,1.2,-0.3,2.0,0.0,1.1,-1.4,0.7\n"}}}, "responses": {"200": {"description": "Predictions", "content": {"application/json": {"schema": {"type": "object", "required": ["predictions"], "properties": {"predictions": {"type": "array"}}}, "example": {"predictions": [[12.5]]}}}}, "400": {"$ref": "#/components/responses/MLflowBadRequest"}, "404": {"$ref": "#/components/responses/MLflowNotFound"}, "413": {"$ref": "#/components/responses/MLflowBadRequest"}, "415": {"$ref": "#/components/responses/MLflowUnsupportedMediaType"}, "401": {"$ref": "#/components/responses/MLflowUnauthorized"}, "429": {"$ref": "#/components/responses/MLflowTooManyRequests"}, "503": {"$ref": "#/components/responses/MLflowUnavailable"}}}"##
        }
        return #"""
        {
          "tags": [{"name": "MLflow scoring", "description": "The routes of `mlflow models serve`, plus /invocations/{m} for several models."}],
          "paths": {
            "/ping": {"get": {"tags": ["MLflow scoring"], "summary": "Scoring server health", "operationId": "mlflowPing", "responses": {"200": {"description": "Ready", "content": {"text/plain": {"schema": {"type": "string"}}}}, "503": {"description": "Not ready", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
            "/version": {"get": {"tags": ["MLflow scoring"], "summary": "Server version", "operationId": "mlflowVersion", "responses": {"200": {"description": "The version", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
            "/invocations": {"post": \#(operation("mlflowInvocations", "Score with the default model"))},
            "/invocations/{m}": {"parameters": [{"$ref": "#/components/parameters/ModelName"}], "post": \#(operation("mlflowInvocationsModel", "Score with a named model"))}
          },
          "components": {
            "schemas": {"MLflowScoringRequest": {"type": "object", "properties": {
              "dataframe_split": {"type": "object", "required": ["data"], "properties": {"columns": {"type": "array", "items": {"type": "string"}}, "index": {"type": "array"}, "data": {"type": "array", "items": {"type": "array"}}}},
              "dataframe_records": {"type": "array", "items": {"type": "object"}},
              "instances": {"type": "array"},
              "inputs": {},
              "params": {"type": "object"}}}},
            "responses": {
              "MLflowBadRequest": {"description": "Bad input (error_code BAD_REQUEST)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MLflowError"}}}},
              "MLflowNotFound": {"description": "Unknown model (error_code RESOURCE_DOES_NOT_EXIST)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MLflowError"}}}},
              "MLflowUnsupportedMediaType": {"description": "Not application/json or text/csv, or a charset other than UTF-8", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MLflowError"}}}},
              "MLflowUnavailable": {"description": "The model is not ready", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MLflowError"}}}},
              "MLflowUnauthorized": {"description": "Not a valid API key (error_code UNAUTHENTICATED)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MLflowError"}}}},
              "MLflowTooManyRequests": {"description": "Over a rate limit (error_code REQUEST_LIMIT_EXCEEDED; Retry-After says when to retry)", "headers": {"Retry-After": {"schema": {"type": "integer"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MLflowError"}}}}
            }
          }
        }
        """#
    }
}

extension ManagementRoutes: OpenAPIDescribing {
    var openAPIFragment: String {
        #"""
        {
          "tags": [{"name": "Management", "description": "Admin scope: uploads, versions, aliases."}],
          "paths": {
            "/api/models": {"get": {"tags": ["Management"], "summary": "Every model with its versions and aliases", "operationId": "listModels", "responses": {"200": {"description": "The models", "content": {"application/json": {"schema": {"type": "object", "required": ["models"], "properties": {"models": {"type": "array", "items": {"$ref": "#/components/schemas/ManagedModel"}}}}}}}}}},
            "/api/models/{name}/versions": {"parameters": [{"$ref": "#/components/parameters/ManagedName"}], "post": {"tags": ["Management"], "summary": "Upload a model file as a new version", "operationId": "createVersion", "description": "The body is the ONNX file. It is stored, loaded and validated; a bad file is a 4xx naming what is wrong and changes nothing.", "requestBody": {"required": true, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}, "responses": {"201": {"description": "The new version", "headers": {"Location": {"schema": {"type": "string"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/VersionDetails"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "409": {"description": "Conflicts with the current state", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}, "413": {"$ref": "#/components/responses/TooLarge"}, "415": {"$ref": "#/components/responses/UnsupportedMediaType"}}}},
            "/api/models/{name}/versions/{v}": {"parameters": [{"$ref": "#/components/parameters/ManagedName"}, {"$ref": "#/components/parameters/ModelVersion"}],
              "get": {"tags": ["Management"], "summary": "One version", "operationId": "getVersion", "responses": {"200": {"description": "The version", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/VersionDetails"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}},
              "delete": {"tags": ["Management"], "summary": "Delete a version (refused while an alias points at it)", "operationId": "deleteVersion", "responses": {"200": {"description": "Deleted", "content": {"application/json": {"schema": {"type": "object", "required": ["name", "version", "deleted"], "properties": {"name": {"type": "string"}, "version": {"type": "string"}, "deleted": {"type": "boolean"}}}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}, "409": {"description": "An alias points at it", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}},
            "/api/models/{name}/aliases/{alias}": {"parameters": [{"$ref": "#/components/parameters/ManagedName"}, {"name": "alias", "in": "path", "required": true, "schema": {"type": "string"}, "example": "production"}],
              "put": {"tags": ["Management"], "summary": "Point an alias at a version", "operationId": "setAlias", "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["version"], "properties": {"version": {"type": ["string", "integer"]}}}, "example": {"version": "3"}}}}, "responses": {"200": {"description": "The version the alias now names", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/VersionDetails"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}, "409": {"description": "The version is not ready", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}},
              "delete": {"tags": ["Management"], "summary": "Remove an alias", "operationId": "removeAlias", "responses": {"200": {"description": "Removed", "content": {"application/json": {"schema": {"type": "object", "required": ["name", "alias", "deleted"], "properties": {"name": {"type": "string"}, "alias": {"type": "string"}, "deleted": {"type": "boolean"}}}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}}}
          },
          "components": {
            "parameters": {"ManagedName": {"name": "name", "in": "path", "required": true, "description": "Model name: letters, digits, '.', '_', '-'.", "schema": {"type": "string"}, "example": "my_model"}},
            "schemas": {
              "ManagedModel": {"type": "object", "required": ["name", "versions", "aliases"], "properties": {
                "name": {"type": "string"}, "default_version": {"type": ["string", "null"]},
                "versions": {"type": "array", "items": {"type": "object", "required": ["version", "state", "reason"], "properties": {"version": {"type": "string"}, "state": {"type": "string", "enum": ["loading", "ready", "failed", "unloaded"]}, "reason": {"type": "string"}}}},
                "aliases": {"type": "object", "additionalProperties": {"type": "string"}}}},
              "VersionDetails": {"type": "object", "required": ["name", "version", "state", "sha256", "size_bytes", "inputs", "outputs"], "properties": {
                "name": {"type": "string"}, "version": {"type": "string"},
                "state": {"type": "string", "enum": ["loading", "ready", "failed", "unloaded"]}, "reason": {"type": "string"},
                "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "size_bytes": {"type": "integer"}, "created_at_ms": {"type": "integer"},
                "aliases": {"type": "array", "items": {"type": "string"}},
                "inputs": {"type": "array", "items": {"$ref": "#/components/schemas/TensorMetadata"}},
                "outputs": {"type": "array", "items": {"$ref": "#/components/schemas/TensorMetadata"}}},
                "example": {"name": "my_model", "version": "2", "state": "ready", "reason": "", "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "size_bytes": 812345, "created_at_ms": 1700000000000, "aliases": ["production"], "inputs": [{"name": "input", "datatype": "FP32", "shape": [-1, 8]}], "outputs": [{"name": "variable", "datatype": "FP32", "shape": [-1, 1]}]}}
            }
          }
        }
        """#
    }
}
