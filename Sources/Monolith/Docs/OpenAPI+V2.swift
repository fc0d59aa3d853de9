/// The Open Inference Protocol (KServe V2) routes' OpenAPI fragment.
extension V2Routes: OpenAPIDescribing {
    var openAPIFragment: String {
        // The metadata, ready and infer operations exist with and without /versions/{v}.
        var paths: [String] = []
        for (prefix, suffix, parameters) in [
            ("/v2/models/{m}", "", ##"[{"$ref": "#/components/parameters/ModelName"}]"##),
            ("/v2/models/{m}/versions/{v}", "Version", ##"[{"$ref": "#/components/parameters/ModelName"}, {"$ref": "#/components/parameters/ModelVersion"}]"##),
        ] {
            paths.append(##""\##(prefix)": {"parameters": \##(parameters), "get": {"tags": ["Open Inference Protocol (V2)"], "summary": "Model metadata", "operationId": "v2ModelMetadata\##(suffix)", "responses": {"200": {"description": "The model's inputs and outputs (-1 marks a variable dimension)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/V2ModelMetadata"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}, "503": {"$ref": "#/components/responses/Unavailable"}}}}"##)
            paths.append(##""\##(prefix)/ready": {"parameters": \##(parameters), "get": {"tags": ["Open Inference Protocol (V2)"], "summary": "Model readiness", "operationId": "v2ModelReady\##(suffix)", "responses": {"200": {"description": "Ready"}, "400": {"description": "Not ready (loading, failed or unloaded)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}, "404": {"$ref": "#/components/responses/NotFound"}}}}"##)
            paths.append(##""\##(prefix)/infer": {"parameters": \##(parameters), "post": {"tags": ["Open Inference Protocol (V2)"], "summary": "Inference", "operationId": "v2Infer\##(suffix)", "description": "JSON tensors (`data` flat or nested, row-major), or Triton's binary tensor data extension: the JSON header is the first `Inference-Header-Content-Length` bytes and each input with `parameters.binary_data_size` takes its bytes from what follows, in input order (little-endian, row-major; BOOL one byte; BYTES a 4-byte length then the bytes). Outputs come back as binary when `parameters.binary_data_output` (request) or `parameters.binary_data` (output) is true; `parameters.classification: N` returns the top N classes. No Content-Type is required.", "parameters": [{"name": "Inference-Header-Content-Length", "in": "header", "required": false, "description": "Length of the JSON part when binary tensor data follows it.", "schema": {"type": "integer", "minimum": 0}}], "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/V2InferenceRequest"}, "example": {"id": "42", "inputs": [{"name": "input", "shape": [1, 8], "datatype": "FP32", "data": [0.5, 1.2, -0.3, 2.0, 0.0, 1.1, -1.4, 0.7]}]}}, "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}, "responses": {"200": {"description": "The outputs (JSON, or a JSON header and binary data with `Inference-Header-Content-Length`)", "headers": {"Inference-Header-Content-Length": {"description": "Present when binary output data follows the JSON", "schema": {"type": "integer"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/V2InferenceResponse"}, "example": {"model_name": "my_model", "model_version": "1", "id": "42", "outputs": [{"name": "variable", "shape": [1, 1], "datatype": "FP32", "data": [12.5]}]}}, "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}, "413": {"$ref": "#/components/responses/TooLarge"}, "415": {"$ref": "#/components/responses/UnsupportedMediaType"}, "503": {"$ref": "#/components/responses/Unavailable"}}}}"##)
        }
        return #"""
        {
          "tags": [{"name": "Open Inference Protocol (V2)", "description": "KServe V2 / Triton / MLServer, with the binary_tensor_data, classification and model_repository extensions."}],
          "paths": {
            "/v2/health/live": {"get": {"tags": ["Open Inference Protocol (V2)"], "summary": "Server liveness", "operationId": "v2Live", "responses": {"200": {"description": "Live"}}}},
            "/v2/health/ready": {"get": {"tags": ["Open Inference Protocol (V2)"], "summary": "Server readiness: every model marked to load has loaded", "operationId": "v2Ready", "responses": {"200": {"description": "Ready"}, "400": {"description": "Not ready", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}},
            "/v2": {"get": {"tags": ["Open Inference Protocol (V2)"], "summary": "Server metadata", "operationId": "v2ServerMetadata", "responses": {"200": {"description": "Name, version and the extensions supported", "content": {"application/json": {"schema": {"type": "object", "required": ["name", "version", "extensions"], "properties": {"name": {"type": "string"}, "version": {"type": "string"}, "extensions": {"type": "array", "items": {"type": "string"}}}}, "example": {"name": "monolith", "version": "0.1.0", "extensions": ["binary_tensor_data", "classification", "model_repository"]}}}}}}},
            \#(paths.joined(separator: ",\n    ")),
            "/v2/repository/index": {"post": {"tags": ["Open Inference Protocol (V2)"], "summary": "Every model version with its state", "operationId": "v2RepositoryIndex", "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object", "properties": {"ready": {"type": "boolean", "description": "Only versions ready for inference"}}}}}}, "responses": {"200": {"description": "The index", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/V2RepositoryEntry"}}}}}, "400": {"$ref": "#/components/responses/BadRequest"}}}},
            "/v2/repository/models/{m}/load": {"parameters": [{"$ref": "#/components/parameters/ModelName"}], "post": {"tags": ["Open Inference Protocol (V2)"], "summary": "Load (or reload) a model", "operationId": "v2RepositoryLoad", "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object", "properties": {"parameters": {"type": "object"}}}}}}, "responses": {"200": {"description": "Loaded", "content": {"application/json": {"schema": {"type": "object"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}, "503": {"$ref": "#/components/responses/Unavailable"}}}},
            "/v2/repository/models/{m}/unload": {"parameters": [{"$ref": "#/components/parameters/ModelName"}], "post": {"tags": ["Open Inference Protocol (V2)"], "summary": "Stop serving a model (its versions stay stored)", "operationId": "v2RepositoryUnload", "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object", "properties": {"parameters": {"type": "object"}}}}}}, "responses": {"200": {"description": "Unloaded", "content": {"application/json": {"schema": {"type": "object"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}}}
          },
          "components": {"schemas": {
            "V2Parameters": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}},
            "V2ModelMetadata": {"type": "object", "required": ["name", "platform", "inputs", "outputs"], "properties": {
              "name": {"type": "string"}, "versions": {"type": "array", "items": {"type": "string"}}, "platform": {"type": "string", "example": "onnx_onnxv1"},
              "inputs": {"type": "array", "items": {"$ref": "#/components/schemas/TensorMetadata"}},
              "outputs": {"type": "array", "items": {"$ref": "#/components/schemas/TensorMetadata"}}}},
            "V2RequestInput": {"type": "object", "required": ["name", "shape", "datatype"], "properties": {
              "name": {"type": "string"}, "shape": {"type": "array", "items": {"type": "integer", "minimum": 0}},
              "datatype": {"$ref": "#/components/schemas/Datatype"},
              "parameters": {"type": "object", "properties": {"binary_data_size": {"type": "integer", "minimum": 0}}, "additionalProperties": {"type": ["string", "number", "boolean"]}},
              "data": {"description": "The elements, flat or nested, row-major."}}},
            "V2RequestOutput": {"type": "object", "required": ["name"], "properties": {
              "name": {"type": "string"},
              "parameters": {"type": "object", "properties": {"binary_data": {"type": "boolean"}, "classification": {"type": "integer", "minimum": 1}}, "additionalProperties": {"type": ["string", "number", "boolean"]}}}},
            "V2InferenceRequest": {"type": "object", "required": ["inputs"], "properties": {
              "id": {"type": "string"},
              "parameters": {"type": "object", "properties": {"binary_data_output": {"type": "boolean"}}, "additionalProperties": {"type": ["string", "number", "boolean"]}},
              "inputs": {"type": "array", "items": {"$ref": "#/components/schemas/V2RequestInput"}},
              "outputs": {"type": "array", "items": {"$ref": "#/components/schemas/V2RequestOutput"}}}},
            "V2ResponseOutput": {"type": "object", "required": ["name", "shape", "datatype"], "properties": {
              "name": {"type": "string"}, "shape": {"type": "array", "items": {"type": "integer", "minimum": 0}},
              "datatype": {"$ref": "#/components/schemas/Datatype"},
              "parameters": {"type": "object", "properties": {"binary_data_size": {"type": "integer", "minimum": 0}}},
              "data": {"type": "array", "description": "Flat, row-major; null stands for NaN or an infinity."}}},
            "V2InferenceResponse": {"type": "object", "required": ["model_name", "outputs"], "properties": {
              "model_name": {"type": "string"}, "model_version": {"type": "string"}, "id": {"type": "string"},
              "parameters": {"$ref": "#/components/schemas/V2Parameters"},
              "outputs": {"type": "array", "items": {"$ref": "#/components/schemas/V2ResponseOutput"}}}},
            "V2RepositoryEntry": {"type": "object", "required": ["name", "state", "reason"], "properties": {
              "name": {"type": "string"}, "version": {"type": "string"},
              "state": {"type": "string", "enum": ["READY", "LOADING", "UNAVAILABLE"]}, "reason": {"type": "string"}}}
          }}
        }
        """#
    }
}
