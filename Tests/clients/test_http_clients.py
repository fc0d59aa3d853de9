"""`requests` against the TF Serving (V1), MLflow scoring, seed and management routes;
openapi-spec-validator on /openapi.json."""

import csv
import hashlib
import io
import json

import numpy as np
import onnxruntime as ort
import pytest
import requests
from openapi_spec_validator import validate

from conftest import ADMIN, MODELS

RNG = np.random.default_rng(1)
X = RNG.normal(size=(5, 4)).astype(np.float32)


@pytest.fixture(scope="module")
def expected():
    session = ort.InferenceSession(str(MODELS / "mlp.onnx"), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": X})[0]


def close(got, want):
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64), rtol=1e-5, atol=1e-4)


# TF Serving / KServe V1

def test_v1_models_and_status(url):
    assert set(requests.get(f"{url}/v1/models").json()["models"]) >= {"mlp", "affine", "types", "two"}
    status = requests.get(f"{url}/v1/models/affine").json()["model_version_status"]
    assert [s["version"] for s in status] == ["2", "1"]
    assert status[0]["state"] == "AVAILABLE" and status[0]["status"] == {"error_code": "OK", "error_message": ""}
    assert requests.get(f"{url}/v1/models/affine/versions/1").json()["model_version_status"][0]["version"] == "1"
    assert requests.get(f"{url}/v1/models/affine/labels/latest").json()["model_version_status"][0]["version"] == "2"
    missing = requests.get(f"{url}/v1/models/nope")
    assert missing.status_code == 404 and "error" in missing.json()


def test_v1_predict_rows_and_columns(url, expected):
    rows = requests.post(f"{url}/v1/models/mlp:predict", json={"instances": X.tolist()})
    assert rows.status_code == 200
    close(rows.json()["predictions"], expected)
    columns = requests.post(f"{url}/v1/models/mlp/versions/1:predict", json={"inputs": {"input": X.tolist()}})
    close(columns.json()["outputs"], expected)
    both = requests.post(f"{url}/v1/models/mlp:predict", json={"instances": X.tolist(), "inputs": X.tolist()})
    assert both.status_code == 400 and "both" in both.json()["error"]
    shape = requests.post(f"{url}/v1/models/mlp:predict", json={"instances": [[1, 2, 3]]})
    assert shape.status_code == 400 and "input 'input'" in shape.json()["error"]


def test_v1_nan_and_infinity(url):
    body = '{"instances": [[NaN, 1, 2, 3], [Infinity, 0, 0, 0]]}'
    r = requests.post(f"{url}/v1/models/mlp:predict", data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 200
    predictions = json.loads(r.text)  # Python's json reads NaN/Infinity as TF Serving writes them
    assert len(predictions["predictions"]) == 2


# MLflow scoring

@pytest.mark.parametrize("kind", ["dataframe_split", "dataframe_records", "instances", "inputs", "csv"])
def test_mlflow_invocations(url, expected, kind):
    columns = ["a", "b", "c", "d"]
    if kind == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(columns)
        writer.writerows(X.tolist())
        r = requests.post(f"{url}/invocations", data=text.getvalue(), headers={"Content-Type": "text/csv"})
    else:
        body = {
            "dataframe_split": {"columns": columns, "data": X.tolist()},
            "dataframe_records": [dict(zip(columns, row)) for row in X.tolist()],
            "instances": X.tolist(),
            "inputs": X.tolist(),
        }[kind]
        r = requests.post(f"{url}/invocations/mlp", json={kind: body})
    assert r.status_code == 200, r.text
    close(r.json()["predictions"], expected)


def test_mlflow_errors(url):
    r = requests.post(f"{url}/invocations", data="x", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    assert r.json()["error_code"] == "BAD_REQUEST"
    r = requests.post(f"{url}/invocations", json={"instances": [[1, 2, 3, 4]], "inputs": [[1, 2, 3, 4]]})
    assert r.status_code == 400 and r.json()["message"].startswith("The input must be a JSON dictionary")
    r = requests.post(f"{url}/invocations/nope", json={"instances": [[1, 2, 3, 4]]})
    assert r.status_code == 404 and r.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    assert requests.get(f"{url}/ping").status_code == 200
    assert requests.get(f"{url}/version").text


# Seed routes

def test_seed_routes(url, expected):
    assert requests.get(f"{url}/health").json() == {"status": "ok"}
    assert requests.get(f"{url}/health/ready").status_code == 200
    assert requests.get(f"{url}/db-check").json()["ok"] is True
    one = requests.post(f"{url}/predict", json={"features": X[0].tolist()}).json()
    assert one["model"] == "mlp" and one["model_version"] == "1"
    close(one["predictions"], expected[0])
    rows = requests.post(f"{url}/predict", json={"instances": X.tolist()}).json()
    close(rows["predictions"], expected.ravel())
    bad = requests.post(f"{url}/predict", data='{"features": [1, 2,', headers={"Content-Type": "application/json"})
    assert bad.status_code == 400 and "line 1, column" in bad.json()["error"]


# Management

def test_upload_alias_and_delete(url):
    data = (MODELS / "two_inputs.onnx").read_bytes()
    anonymous = requests.post(f"{url}/api/models/uploaded/versions", data=data,
                              headers={"Content-Type": "application/octet-stream"})
    assert anonymous.status_code == 401 and anonymous.json()["error"]
    created = requests.post(f"{url}/api/models/uploaded/versions", data=data,
                            headers={"Content-Type": "application/octet-stream", **ADMIN})
    assert created.status_code == 201, created.text
    details = created.json()
    assert details["sha256"] == hashlib.sha256(data).hexdigest()
    assert [i["name"] for i in details["inputs"]] == ["a", "b"]
    version = details["version"]
    r = requests.post(f"{url}/v2/models/uploaded/infer", json={"inputs": [
        {"name": "a", "shape": [1, 2], "datatype": "FP32", "data": [1, 2]},
        {"name": "b", "shape": [1, 2], "datatype": "FP32", "data": [3, 4]}]})
    assert r.status_code == 200 and r.json()["outputs"][0]["data"] == [4, 6]
    bad = requests.post(f"{url}/api/models/uploaded/versions", data=b"\x08\x01garbage",
                        headers={"Content-Type": "application/octet-stream", **ADMIN})
    assert 400 <= bad.status_code < 500 and bad.json()["error"]
    assert requests.get(f"{url}/v2/models/uploaded/ready").status_code == 200
    assert requests.put(f"{url}/api/models/uploaded/aliases/production", json={"version": version}, headers=ADMIN).status_code == 200
    assert requests.get(f"{url}/v2/models/uploaded@production/ready").status_code == 200
    assert requests.delete(f"{url}/api/models/uploaded/aliases/production", headers=ADMIN).status_code == 200
    listing = requests.get(f"{url}/api/models", headers=ADMIN).json()["models"]
    assert any(m["name"] == "uploaded" for m in listing)


# OpenAPI

def test_openapi_document_is_valid(url):
    doc = requests.get(f"{url}/openapi.json").json()
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    for path in ["/predict", "/v2/models/{m}/infer", "/v1/models/{m}:predict", "/invocations", "/api/models/{name}/versions"]:
        assert path in doc["paths"], path
    for page in ["/docs", "/redoc"]:
        r = requests.get(f"{url}{page}")
        assert r.status_code == 200 and "text/html" in r.headers["Content-Type"]
        assert "<script src=\"http" not in r.text and "cdn" not in r.text.lower()
