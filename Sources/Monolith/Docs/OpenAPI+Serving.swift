/// OpenAPI fragments of the serving API's shared components, seed routes and docs routes.
enum ServingOpenAPI {
    /// Components every serving family refers to.
    static let common = #"""
    {
      "components": {
        "schemas": {
          "Error": {
            "type": "object", "required": ["error"],
            "properties": {"error": {"type": "string", "description": "What was wrong: the input, the expected and the received shape or datatype, the JSON position..."}},
            "example": {"error": "input 'input': expected FP32 [-1, 8], got FP64 [1, 8]"}
          },
          "MLflowError": {
            "type": "object", "required": ["error_code", "message"],
            "properties": {"error_code": {"type": "string", "example": "BAD_REQUEST"}, "message": {"type": "string"}, "stack_trace": {"type": "string"}}
          },
          "TensorMetadata": {
            "type": "object", "required": ["name", "datatype", "shape"],
            "properties": {
              "name": {"type": "string"},
              "datatype": {"$ref": "#/components/schemas/Datatype"},
              "shape": {"type": "array", "items": {"type": "integer", "minimum": -1}, "description": "-1 marks a variable dimension"}
            },
            "example": {"name": "input", "datatype": "FP32", "shape": [-1, 8]}
          },
          "Datatype": {
            "type": "string",
            "enum": ["BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16", "FP32", "FP64", "BYTES", "BF16"]
          }
        },
        "responses": {
          "BadRequest": {"description": "Malformed body (with the JSON position) or input that does not fit the model (naming the input, the expected and the received shape/datatype).", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "NotFound": {"description": "Unknown model, version or alias.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "TooLarge": {"description": "A tensor or the body is over the size limit.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "UnsupportedMediaType": {"description": "A content type or encoding the route does not take.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "Unavailable": {"description": "The model exists but is not ready (still loading after MONOLITH_LOAD_WAIT, failed, or unloaded).", "headers": {"Retry-After": {"schema": {"type": "string"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        },
        "parameters": {
          "ModelName": {"name": "m", "in": "path", "required": true, "description": "Model name, optionally `name@alias`.", "schema": {"type": "string"}, "example": "my_model"},
          "ModelVersion": {"name": "v", "in": "path", "required": true, "description": "A version number.", "schema": {"type": "string"}, "example": "1"}
        }
      }
    }
    """#

    /// `/`, `/health`, `/health/ready`, `/db-check`, `/predict`, and the docs routes.
    static let seed = #"""
    {
      "tags": [{"name": "Seed", "description": "The routes the FastAPI services offered."}, {"name": "Docs"}],
      "paths": {
        "/": {"get": {"tags": ["Seed"], "summary": "Service name, version and links", "operationId": "root",
          "responses": {"200": {"description": "The service", "content": {"application/json": {"schema": {
            "type": "object", "required": ["name", "version"],
            "properties": {"name": {"type": "string"}, "version": {"type": "string"}, "message": {"type": "string"}, "docs": {"type": "string"}, "redoc": {"type": "string"}, "openapi": {"type": "string"}}},
            "example": {"name": "monolith", "version": "0.1.0", "message": "Monolith model server is running", "docs": "/docs"}}}}}}},
        "/health": {"get": {"tags": ["Seed"], "summary": "Liveness", "operationId": "health",
          "responses": {"200": {"description": "The process serves", "content": {"application/json": {"schema": {
            "type": "object", "required": ["status"], "properties": {"status": {"const": "ok"}}}, "example": {"status": "ok"}}}}}}},
        "/health/ready": {"get": {"tags": ["Seed"], "summary": "Readiness: the store is open and every model marked to load has loaded", "operationId": "healthReady",
          "responses": {
            "200": {"description": "Ready", "content": {"application/json": {"schema": {"type": "object", "required": ["status"], "properties": {"status": {"const": "ready"}, "models": {"type": "integer"}}}}}},
            "503": {"description": "Not ready, with the reason", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}},
        "/db-check": {"get": {"tags": ["Seed"], "summary": "Runs SELECT 1 on the store", "operationId": "dbCheck",
          "responses": {
            "200": {"description": "The store answers", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DbCheck"}, "example": {"ok": true, "database": "sqlite"}}}},
            "503": {"description": "The store failed", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DbCheck"}}}}}}},
        "/predict": {"post": {"tags": ["Seed"], "summary": "Predict with the default model",
          "description": "The default model is MONOLITH_DEFAULT_MODEL, else the only model. Send one row as `features` or several as `instances`. Classifiers answer labels as `predictions`, per-class `probabilities` and, when the model names them, `classes`.",
          "operationId": "predict",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PredictRequest"},
            "examples": {"one row": {"value": {"features": [0.5, 1.2, -0.3, 2.0, 0.0, 1.1, -1.4, 0.7]}}, "rows": {"value": {"instances": [[0.5, 1.2, -0.3, 2.0, 0.0, 1.1, -1.4, 0.7], [1, 2, 3, 4, 5, 6, 7, 8]]}}}}}},
          "responses": {
            "200": {"description": "Predictions", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PredictResponse"},
              "examples": {"regressor": {"value": {"predictions": [12.5], "model": "house_prices", "model_version": "3"}},
                           "classifier": {"value": {"predictions": [1], "probabilities": [[0.2, 0.8]], "classes": [0, 1], "model": "churn", "model_version": "1"}}}}}},
            "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"},
            "413": {"$ref": "#/components/responses/TooLarge"}, "503": {"$ref": "#/components/responses/Unavailable"}}}},
        "/openapi.json": {"get": {"tags": ["Docs"], "summary": "This document (OpenAPI 3.1)", "operationId": "openapi",
          "responses": {"200": {"description": "The OpenAPI document", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        "/docs": {"get": {"tags": ["Docs"], "summary": "Interactive API page (works offline)", "operationId": "docs",
          "responses": {"200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}}}},
        "/redoc": {"get": {"tags": ["Docs"], "summary": "API reference page (works offline)", "operationId": "redoc",
          "responses": {"200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}}}}
      },
      "components": {"schemas": {
        "DbCheck": {"type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}, "database": {"type": "string"}, "error": {"type": "string"}}},
        "Row": {"description": "One row: feature values in the model's input order, or an object naming each input.",
          "oneOf": [{"type": "array", "items": {}}, {"type": "object"}]},
        "PredictRequest": {"type": "object",
          "properties": {"features": {"$ref": "#/components/schemas/Row"}, "instances": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/Row"}}},
          "description": "Exactly one of `features` and `instances`."},
        "PredictResponse": {"type": "object", "required": ["predictions", "model", "model_version"],
          "properties": {
            "predictions": {"type": "array", "description": "One value per row (a list when a row's output has several values); labels for classifiers."},
            "probabilities": {"type": "array", "items": {"type": "array", "items": {"type": ["number", "null"]}}, "description": "Classifiers: per-class probabilities, one list per row."},
            "classes": {"type": "array", "description": "Classifiers with named classes: the label of each probability column."},
            "model": {"type": "string"}, "model_version": {"type": "string"}}}
      }}
    }
    """#
}

extension PredictRoutes: OpenAPIDescribing {
    var openAPIFragment: String { ServingOpenAPI.seed }
}
