/// The Open Inference Protocol (KServe V2) routes' OpenAPI fragment.
extension V2Routes: OpenAPIDescribing {
    var openAPIFragment: String {
        // The metadata, ready, infer, config and stats operations exist with and without /versions/{v}.
        var paths: [String] = []
        for (prefix, suffix, parameters) in [
            ("/v2/models/{m}", "", ##"[{"$ref": "#/components/parameters/ModelName"}]"##),
            ("/v2/models/{m}/versions/{v}", "Version", ##"[{"$ref": "#/components/parameters/ModelName"}, {"$ref": "#/components/parameters/ModelVersion"}]"##),
        ] {
            paths.append(##""\##(prefix)": {"parameters": \##(parameters), "get": {"tags": ["Open Inference Protocol (V2)"], "summary": "Model metadata", "operationId": "v2ModelMetadata\##(suffix)", "responses": {"200": {"description": "The model's inputs and outputs (-1 marks a variable dimension)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/V2ModelMetadata"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}, "503": {"$ref": "#/components/responses/Unavailable"}}}}"##)
            paths.append(##""\##(prefix)/ready": {"parameters": \##(parameters), "get": {"tags": ["Open Inference Protocol (V2)"], "summary": "Model readiness", "operationId": "v2ModelReady\##(suffix)", "responses": {"200": {"description": "Ready"}, "400": {"description": "Not ready (loading, failed or unloaded)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}, "404": {"$ref": "#/components/responses/NotFound"}}}}"##)
            paths.append(##""\##(prefix)/infer": {"parameters": \##(parameters), "post": {"tags": ["Open Inference Protocol (V2)"], "summary": "Inference", "operationId": "v2Infer\##(suffix)", "description": "JSON tensors (`data` flat or nested, row-major), or Triton's binary tensor data extension: the JSON header is the first `Inference-Header-Content-Length` bytes and each input with `parameters.binary_data_size` takes its bytes from what follows, in input order (little-endian, row-major; BOOL one byte; BYTES a 4-byte length then the bytes). Outputs come back as binary when `parameters.binary_data_output` (request) or `parameters.binary_data` (output) is true; `parameters.classification: N` returns the top N classes. No Content-Type is required.", "parameters": [{"name": "Inference-Header-Content-Length", "in": "header", "required": false, "description": "Length of the JSON part when binary tensor data follows it.", "schema": {"type": "integer", "minimum": 0}}], "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/V2InferenceRequest"}, "example": {"id": "42", "inputs": [{"name": "input", "shape": [1, 8], "datatype": "FP32", "data": [0.5, 1.2, -0.3, 2.0, 0.0, 1.1, -1.4, 0.7]}]}}, "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}, "responses": {"200": {"description": "The outputs (JSON, or a JSON header and binary data with `Inference-Header-Content-Length`)", "headers": {"Inference-Header-Content-Length": {"description": "Present when binary output data follows the JSON", "schema": {"type": "integer"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/V2InferenceResponse"}, "example": {"model_name": "my_model", "model_version": "1", "id": "42", "outputs": [{"name": "variable", "shape": [1, 1], "datatype": "FP32", "data": [12.5]}]}}, "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}, "413": {"$ref": "#/components/responses/TooLarge"}, "415": {"$ref": "#/components/responses/UnsupportedMediaType"}, "503": {"$ref": "#/components/responses/Unavailable"}}}}"##)
            paths.append(##""\##(prefix)/config": {"parameters": \##(parameters), "get": {"tags": ["Open Inference Protocol (V2)"], "summary": "Model configuration (Triton's model_configuration extension)", "operationId": "v2ModelConfig\##(suffix)", "description": "The resolved version's configuration as Triton's ModelConfig JSON (model_config.proto): every stored version that loaded is served (`version_policy: {\"all\": {}}`); requests are not batched together, so `max_batch_size` is 0 and `dims` are the full shapes, batch dimension included, -1 marking a variable dimension. Waits for a loading model like the metadata route.", "responses": {"200": {"description": "The configuration", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/V2ModelConfig"}, "example": {"name": "my_model", "platform": "onnxruntime_onnx", "backend": "onnxruntime", "version_policy": {"all": {}}, "max_batch_size": 0, "input": [{"name": "input", "data_type": "TYPE_FP32", "dims": [-1, 8]}], "output": [{"name": "variable", "data_type": "TYPE_FP32", "dims": [-1, 1]}]}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}, "503": {"$ref": "#/components/responses/Unavailable"}}}}"##)
            paths.append(##""\##(prefix)/stats": {"parameters": \##(parameters), "get": {"tags": ["Open Inference Protocol (V2)"], "summary": "Inference statistics of a model (Triton's statistics extension)", "operationId": "v2ModelStats\##(suffix)", "description": "Counted from the requests every inference route served (V2 infer, /predict, V1 :predict, /invocations) since the version loaded. Without /versions/{v} (and without `@alias`), every ready version of the model.", "responses": {"200": {"description": "The statistics", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/V2ModelStatistics"}, "example": {"model_stats": [{"name": "my_model", "version": "1", "last_inference": 1767225600000, "inference_count": 3, "execution_count": 2, "inference_stats": {"success": {"count": 2, "ns": 91000}, "fail": {"count": 1, "ns": 12000}, "queue": {"count": 2, "ns": 20000}, "compute_input": {"count": 2, "ns": 9000}, "compute_infer": {"count": 2, "ns": 55000}, "compute_output": {"count": 2, "ns": 7000}, "cache_hit": {"count": 0, "ns": 0}, "cache_miss": {"count": 0, "ns": 0}}, "batch_stats": [{"batch_size": 1, "compute_input": {"count": 1, "ns": 4000}, "compute_infer": {"count": 1, "ns": 25000}, "compute_output": {"count": 1, "ns": 3000}}, {"batch_size": 2, "compute_input": {"count": 1, "ns": 5000}, "compute_infer": {"count": 1, "ns": 30000}, "compute_output": {"count": 1, "ns": 4000}}]}]}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}, "503": {"$ref": "#/components/responses/Unavailable"}}}}"##)
        }
        return #"""
        {
          "tags": [{"name": "Open Inference Protocol (V2)", "description": "KServe V2 / Triton / MLServer, with the binary_tensor_data, classification, model_repository, model_configuration and statistics extensions."}],
          "paths": {
            "/v2/health/live": {"get": {"tags": ["Open Inference Protocol (V2)"], "summary": "Server liveness", "operationId": "v2Live", "responses": {"200": {"description": "Live"}}}},
            "/v2/health/ready": {"get": {"tags": ["Open Inference Protocol (V2)"], "summary": "Server readiness: every model marked to load has loaded", "operationId": "v2Ready", "responses": {"200": {"description": "Ready"}, "400": {"description": "Not ready", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}},
            "/v2": {"get": {"tags": ["Open Inference Protocol (V2)"], "summary": "Server metadata", "operationId": "v2ServerMetadata", "responses": {"200": {"description": "Name, version and the extensions supported", "content": {"application/json": {"schema": {"type": "object", "required": ["name", "version", "extensions"], "properties": {"name": {"type": "string"}, "version": {"type": "string"}, "extensions": {"type": "array", "items": {"type": "string"}}}}, "example": {"name": "monolith", "version": "0.1.0", "extensions": ["binary_tensor_data", "classification", "model_repository", "model_configuration", "statistics"]}}}}}}},
            "/v2/models/stats": {"get": {"tags": ["Open Inference Protocol (V2)"], "summary": "Inference statistics of every model (Triton's statistics extension)", "operationId": "v2AllModelStats", "description": "Every ready version of every model, counted from the requests every inference route served since the version loaded.", "responses": {"200": {"description": "The statistics", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/V2ModelStatistics"}, "example": {"model_stats": [{"name": "my_model", "version": "1", "last_inference": 0, "inference_count": 0, "execution_count": 0, "inference_stats": {"success": {"count": 0, "ns": 0}, "fail": {"count": 0, "ns": 0}, "queue": {"count": 0, "ns": 0}, "compute_input": {"count": 0, "ns": 0}, "compute_infer": {"count": 0, "ns": 0}, "compute_output": {"count": 0, "ns": 0}, "cache_hit": {"count": 0, "ns": 0}, "cache_miss": {"count": 0, "ns": 0}}, "batch_stats": []}]}}}}}}},
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
            "V2ModelConfig": {"type": "object", "description": "Triton's ModelConfig as JSON (model_config.proto), the fields Monolith states.", "required": ["name", "platform", "backend", "version_policy", "max_batch_size", "input", "output"], "properties": {
              "name": {"type": "string"}, "platform": {"type": "string", "example": "onnxruntime_onnx"}, "backend": {"type": "string", "example": "onnxruntime"},
              "version_policy": {"type": "object", "description": "Which versions are served: `all` (every stored version that loaded).", "properties": {"all": {"type": "object"}}},
              "max_batch_size": {"type": "integer", "minimum": 0, "description": "0: dims include the batch dimension."},
              "input": {"type": "array", "items": {"$ref": "#/components/schemas/V2ConfigTensor"}},
              "output": {"type": "array", "items": {"$ref": "#/components/schemas/V2ConfigTensor"}}}},
            "V2ConfigTensor": {"type": "object", "required": ["name", "data_type", "dims"], "properties": {
              "name": {"type": "string"},
              "data_type": {"type": "string", "enum": ["TYPE_INVALID", "TYPE_BOOL", "TYPE_UINT8", "TYPE_UINT16", "TYPE_UINT32", "TYPE_UINT64", "TYPE_INT8", "TYPE_INT16", "TYPE_INT32", "TYPE_INT64", "TYPE_FP16", "TYPE_FP32", "TYPE_FP64", "TYPE_STRING", "TYPE_BF16"]},
              "dims": {"type": "array", "items": {"type": "integer", "minimum": -1}, "description": "-1 marks a variable dimension."}}},
            "V2DurationStat": {"type": "object", "required": ["count", "ns"], "properties": {"count": {"type": "integer", "minimum": 0}, "ns": {"type": "integer", "minimum": 0, "description": "Cumulative nanoseconds."}}},
            "V2InferenceStats": {"type": "object", "required": ["success", "fail", "queue", "compute_input", "compute_infer", "compute_output", "cache_hit", "cache_miss"], "properties": {
              "success": {"$ref": "#/components/schemas/V2DurationStat"}, "fail": {"$ref": "#/components/schemas/V2DurationStat"},
              "queue": {"$ref": "#/components/schemas/V2DurationStat"}, "compute_input": {"$ref": "#/components/schemas/V2DurationStat"},
              "compute_infer": {"$ref": "#/components/schemas/V2DurationStat"}, "compute_output": {"$ref": "#/components/schemas/V2DurationStat"},
              "cache_hit": {"$ref": "#/components/schemas/V2DurationStat"}, "cache_miss": {"$ref": "#/components/schemas/V2DurationStat"}}},
            "V2BatchStat": {"type": "object", "required": ["batch_size", "compute_input", "compute_infer", "compute_output"], "properties": {
              "batch_size": {"type": "integer", "minimum": 0},
              "compute_input": {"$ref": "#/components/schemas/V2DurationStat"}, "compute_infer": {"$ref": "#/components/schemas/V2DurationStat"},
              "compute_output": {"$ref": "#/components/schemas/V2DurationStat"}}},
            "V2ModelStat": {"type": "object", "required": ["name", "version", "last_inference", "inference_count", "execution_count", "inference_stats", "batch_stats"], "properties": {
              "name": {"type": "string"}, "version": {"type": "string"},
              "last_inference": {"type": "integer", "minimum": 0, "description": "When the last request ended, milliseconds since the epoch (0: none yet)."},
              "inference_count": {"type": "integer", "minimum": 0, "description": "Rows of the successful requests."},
              "execution_count": {"type": "integer", "minimum": 0, "description": "Model executions (one per successful request)."},
              "inference_stats": {"$ref": "#/components/schemas/V2InferenceStats"},
              "batch_stats": {"type": "array", "items": {"$ref": "#/components/schemas/V2BatchStat"}}}},
            "V2ModelStatistics": {"type": "object", "required": ["model_stats"], "properties": {"model_stats": {"type": "array", "items": {"$ref": "#/components/schemas/V2ModelStat"}}}},
            "V2RepositoryEntry": {"type": "object", "required": ["name", "state", "reason"], "properties": {
              "name": {"type": "string"}, "version": {"type": "string"},
              "state": {"type": "string", "enum": ["READY", "LOADING", "UNAVAILABLE"]}, "reason": {"type": "string"}}}
          }}
        }
        """#
    }
}
