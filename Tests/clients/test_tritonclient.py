"""NVIDIA's tritonclient (HTTP) against monolith, unchanged: health, metadata, inference with
binary tensors (its default) and with JSON tensors, outputs equal to onnxruntime's."""

import gzip
import json
import time

import numpy as np
import onnxruntime as ort
import pytest
import requests
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

from conftest import ADMIN, MODELS, REGISTRY

RNG = np.random.default_rng(0)


@pytest.fixture(scope="module")
def client(host):
    return httpclient.InferenceServerClient(url=host)


def ort_run(file, feeds):
    session = ort.InferenceSession(str(MODELS / file), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def test_server_live_ready_and_metadata(client):
    assert client.is_server_live()
    assert client.is_server_ready()
    meta = client.get_server_metadata()
    assert meta["name"] == "monolith"
    assert "binary_tensor_data" in meta["extensions"]
    assert "model_repository" in meta["extensions"]


def test_model_ready_and_metadata(client):
    assert client.is_model_ready("mlp")
    assert client.is_model_ready("affine", model_version="2")
    assert not client.is_model_ready("no-such-model")
    meta = client.get_model_metadata("mlp")
    assert meta["name"] == "mlp"
    assert meta["platform"] == "onnx_onnxv1"
    assert meta["inputs"] == [{"name": "input", "datatype": "FP32", "shape": [-1, 4]}]
    assert meta["outputs"] == [{"name": "variable", "datatype": "FP32", "shape": [-1, 1]}]
    assert client.get_model_metadata("affine", model_version="1")["versions"] == ["1", "2"]


@pytest.mark.parametrize("binary", [True, False])
def test_infer_matches_onnxruntime(client, binary):
    x = RNG.normal(size=(16, 4)).astype(np.float32)
    inp = httpclient.InferInput("input", list(x.shape), "FP32")
    inp.set_data_from_numpy(x, binary_data=binary)
    out = httpclient.InferRequestedOutput("variable", binary_data=binary)
    result = client.infer("mlp", [inp], outputs=[out], request_id="req-1")
    got = result.as_numpy("variable")
    (expected,) = ort_run("mlp.onnx", {"input": x})
    assert got.shape == expected.shape == (16, 1)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    response = result.get_response()
    assert response["id"] == "req-1"
    assert response["model_name"] == "mlp"


def test_infer_without_outputs_asks_binary_and_gets_all(client):
    x = RNG.normal(size=(3, 4)).astype(np.float32)
    inp = httpclient.InferInput("input", list(x.shape), "FP32")
    inp.set_data_from_numpy(x)
    result = client.infer("mlp", [inp])
    (expected,) = ort_run("mlp.onnx", {"input": x})
    np.testing.assert_allclose(result.as_numpy("variable"), expected, rtol=1e-5, atol=1e-5)


def test_infer_with_version_and_alias(client):
    x = np.array([[1, 1, 1]], dtype=np.float32)
    for version, name in [("2", "affine"), ("", "affine@latest")]:
        inp = httpclient.InferInput("input", [1, 3], "FP32")
        inp.set_data_from_numpy(x)
        result = client.infer(name, [inp], model_version=version)
        np.testing.assert_allclose(result.as_numpy("output"), [[1.75]])


TYPES = {
    "bool": ("BOOL", np.array([[True, False], [False, True]])),
    "uint8": ("UINT8", np.array([[0, 255], [1, 2]], dtype=np.uint8)),
    "uint16": ("UINT16", np.array([[0, 65535], [1, 2]], dtype=np.uint16)),
    "uint32": ("UINT32", np.array([[0, 4294967295], [1, 2]], dtype=np.uint32)),
    "uint64": ("UINT64", np.array([[0, 2**64 - 1], [1, 2]], dtype=np.uint64)),
    "int8": ("INT8", np.array([[-128, 127], [1, 2]], dtype=np.int8)),
    "int16": ("INT16", np.array([[-32768, 32767], [1, 2]], dtype=np.int16)),
    "int32": ("INT32", np.array([[-(2**31), 2**31 - 1], [1, 2]], dtype=np.int32)),
    "int64": ("INT64", np.array([[-(2**63), 2**63 - 1], [1, 2]], dtype=np.int64)),
    "fp16": ("FP16", np.array([[0.5, -2.25], [65504, 1e-3]], dtype=np.float16)),
    "fp32": ("FP32", np.array([[0.1, -3.5], [1e-30, 3e38]], dtype=np.float32)),
    "fp64": ("FP64", np.array([[0.1, -1e300], [5e-324, 2.5]], dtype=np.float64)),
    "bytes": ("BYTES", np.array([[b"hello", b""], ["hé".encode(), b"x" * 300]], dtype=np.object_)),
}


@pytest.mark.parametrize("binary", [True, False])
def test_every_datatype_round_trips(client, binary):
    inputs, outputs = [], []
    for suffix, (datatype, array) in TYPES.items():
        if datatype == "UINT64" and not binary:
            # JSON numbers above 2^63 arrive as doubles and lose precision; send exact values only.
            array = np.array([[0, 2**53], [1, 2]], dtype=np.uint64)
        inp = httpclient.InferInput(f"x_{suffix}", list(array.shape), datatype)
        inp.set_data_from_numpy(array, binary_data=binary)
        inputs.append(inp)
        outputs.append(httpclient.InferRequestedOutput(f"y_{suffix}", binary_data=binary))
    result = client.infer("types", inputs, outputs=outputs)
    for suffix, (datatype, array) in TYPES.items():
        got = result.as_numpy(f"y_{suffix}")
        assert got.shape == array.shape, suffix
        if datatype == "BYTES":
            # Binary BYTES come back as bytes; JSON BYTES as the strings JSON carries.
            as_bytes = [v.encode() if isinstance(v, str) else bytes(v) for v in got.ravel()]
            assert as_bytes == [bytes(v) for v in array.ravel()], suffix
        elif datatype == "UINT64" and not binary:
            np.testing.assert_array_equal(got, np.array([[0, 2**53], [1, 2]], dtype=np.uint64))
        else:
            np.testing.assert_array_equal(got, array, err_msg=suffix)


def test_errors_name_the_input(client):
    x = np.zeros((1, 4), dtype=np.float64)
    inp = httpclient.InferInput("input", [1, 4], "FP64")
    inp.set_data_from_numpy(x)
    with pytest.raises(InferenceServerException) as e:
        client.infer("mlp", [inp])
    assert "input 'input': expected FP32 [-1, 4], got FP64 [1, 4]" in str(e.value)
    with pytest.raises(InferenceServerException) as e:
        client.get_model_metadata("no-such-model")
    assert "not found" in str(e.value)


def test_model_repository_extension(client):
    index = client.get_model_repository_index(headers=ADMIN)
    names = {(m["name"], m.get("version")) for m in index}
    assert ("mlp", "1") in names and ("affine", "2") in names
    assert all(m["state"] == "READY" for m in index)
    client.unload_model("two", headers=ADMIN)
    assert not client.is_model_ready("two")
    client.load_model("two", headers=ADMIN)
    assert client.is_model_ready("two")


@pytest.mark.parametrize("algorithm", ["gzip", "deflate"])
@pytest.mark.parametrize("binary", [True, False])
def test_compressed_requests_and_answers(client, host, algorithm, binary):
    # tritonclient compresses the whole body (request_compression_algorithm) and asks for a
    # compressed answer (response_compression_algorithm), as Triton serves them.
    x = RNG.normal(size=(500, 4)).astype(np.float32)
    inp = httpclient.InferInput("input", list(x.shape), "FP32")
    inp.set_data_from_numpy(x, binary_data=binary)
    out = httpclient.InferRequestedOutput("variable", binary_data=binary)
    result = client.infer("mlp", [inp], outputs=[out], request_compression_algorithm=algorithm,
                          response_compression_algorithm=algorithm)
    (expected,) = ort_run("mlp.onnx", {"input": x})
    np.testing.assert_allclose(result.as_numpy("variable"), expected, rtol=1e-5, atol=1e-5)
    # The answer really left compressed (urllib3 inflates it and keeps the header).
    body = json.dumps({"inputs": [{"name": "input", "shape": [500, 4], "datatype": "FP32",
                                   "data": x.flatten().tolist()}]}).encode()
    raw = requests.post(f"http://{host}/v2/models/mlp/infer", data=gzip.compress(body),
                        headers={"Content-Encoding": "gzip", "Accept-Encoding": algorithm}, stream=True)
    assert raw.status_code == 200
    assert raw.headers["Content-Encoding"] == algorithm
    compressed = raw.raw.read(decode_content=False)
    assert len(compressed) == int(raw.headers["Content-Length"]) < len(body) // 2
    bad = requests.post(f"http://{host}/v2/models/mlp/infer", data=body, headers={"Content-Encoding": "br"})
    assert bad.status_code == 415 and "br" in bad.json()["error"]


def test_model_configuration_extension(client):
    assert "model_configuration" in client.get_server_metadata()["extensions"]
    assert client.get_model_config("mlp") == {
        "name": "mlp", "platform": "onnxruntime_onnx", "backend": "onnxruntime", "version_policy": {"all": {}},
        "max_batch_size": 0,
        "input": [{"name": "input", "data_type": "TYPE_FP32", "dims": [-1, 4]}],
        "output": [{"name": "variable", "data_type": "TYPE_FP32", "dims": [-1, 1]}]}
    types = client.get_model_config("types", model_version="1")
    inputs = {t["name"]: t for t in types["input"]}
    assert inputs["x_fp32"] == {"name": "x_fp32", "data_type": "TYPE_FP32", "dims": [-1, 2]}
    assert inputs["x_int64"] == {"name": "x_int64", "data_type": "TYPE_INT64", "dims": [-1, 2]}
    # model_config.proto's DataType: TYPE_ + the V2 datatype, except BYTES -> TYPE_STRING.
    assert [t["data_type"] for t in types["output"]] == [
        "TYPE_STRING" if datatype == "BYTES" else "TYPE_" + datatype for datatype, _ in TYPES.values()]
    assert client.get_model_config("affine", model_version="2")["name"] == "affine"
    for name, version in [("no-such-model", ""), ("affine", "9")]:
        with pytest.raises(InferenceServerException) as e:
            client.get_model_config(name, model_version=version)
        assert e.value.status() == "404"


def stats_of(client, name, version=""):
    (entry,) = client.get_inference_statistics(model_name=name, model_version=version)["model_stats"]
    return entry


def test_statistics_extension_counts_the_requests_served(client):
    assert "statistics" in client.get_server_metadata()["extensions"]
    before = stats_of(client, "mlp")
    started_ms = time.time() * 1000
    batches = [16, 1, 3, 16]
    for rows in batches:
        x = RNG.normal(size=(rows, 4)).astype(np.float32)
        inp = httpclient.InferInput("input", list(x.shape), "FP32")
        inp.set_data_from_numpy(x)
        client.infer("mlp", [inp])
    wrong = httpclient.InferInput("input", [1, 4], "FP64")
    wrong.set_data_from_numpy(np.zeros((1, 4), dtype=np.float64))
    with pytest.raises(InferenceServerException):
        client.infer("mlp", [wrong])
    after = stats_of(client, "mlp", "1")
    assert (after["name"], after["version"]) == ("mlp", "1")
    assert after["inference_count"] - before["inference_count"] == sum(batches)
    assert after["execution_count"] - before["execution_count"] == len(batches)
    new, old = after["inference_stats"], before["inference_stats"]
    assert new["success"]["count"] - old["success"]["count"] == len(batches)
    assert new["fail"]["count"] - old["fail"]["count"] == 1
    for stage in ["queue", "compute_input", "compute_infer", "compute_output"]:
        assert new[stage]["count"] - old[stage]["count"] == len(batches), stage
    assert new["compute_infer"]["ns"] > old["compute_infer"]["ns"]
    assert new["success"]["ns"] > old["success"]["ns"]
    assert new["cache_hit"] == {"count": 0, "ns": 0}
    assert started_ms - 1000 <= after["last_inference"] <= time.time() * 1000 + 1000
    counts = lambda stats: {b["batch_size"]: b["compute_infer"]["count"] for b in stats["batch_stats"]}  # noqa: E731
    assert {size: counts(after)[size] - counts(before).get(size, 0) for size in (1, 3, 16)} == {1: 1, 3: 1, 16: 2}


def test_statistics_of_every_model(client):
    everything = client.get_inference_statistics()["model_stats"]
    listed = [(m["name"], m["version"]) for m in everything]
    assert len(listed) == len(set(listed))
    # Every ready version of every model (other tests of this server may have uploaded more).
    ready = {(m["name"], m["version"]) for m in client.get_model_repository_index(headers=ADMIN) if m["state"] == "READY"}
    assert set(listed) == ready
    assert {(name, str(v)) for name, (_, versions) in REGISTRY.items() for v in versions} <= ready
    assert client.get_inference_statistics("affine")["model_stats"][1]["version"] == "2"
    with pytest.raises(InferenceServerException) as e:
        client.get_inference_statistics("no-such-model")
    assert e.value.status() == "404"
