"""The real `mlflow` client (mlflow-skinny) against a live monolith: tracking, the model
registry over Monolith's own registry, and serving what was registered.

Starts its own server (127.0.0.1, free port, stopped by PID) with an admin key — MLflow's
`MLFLOW_TRACKING_TOKEN` sends it as `Authorization: Bearer` — and a source root under which
`model-versions/create` may import local ONNX files and MLflow model directories.
"""

import contextlib
import math
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import requests

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")

import mlflow  # noqa: E402
import mlflow.onnx  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import Metric, Param, RunTag  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
MODELS = HERE / "models"
ADMIN_KEY = "mlflow-client-test-admin-key-0123456789"
X = np.linspace(-1.0, 1.0, 8, dtype=np.float32).reshape(1, 8)

# Stages are deprecated in MLflow (aliases replace them); they are still part of the API tested here.
pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def mlflow_server():
    binary = os.environ.get("MONOLITH_BIN", str(ROOT / ".build" / "debug" / "monolith"))
    work = Path(tempfile.mkdtemp(prefix="monolith-mlflow-"))
    sources = work / "sources"
    sources.mkdir()
    port = free_port()
    env = dict(os.environ, MONOLITH_ADMIN_KEY=ADMIN_KEY, MONOLITH_MLFLOW_SOURCE_ROOT=str(sources),
               MONOLITH_LOG_LEVEL="warning")
    log = open(work / "server.log", "wb")
    proc = subprocess.Popen([binary, "serve", "--host", "127.0.0.1", "--port", str(port), "--data", str(work / "data")],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/health/ready", timeout=2) as r:
                    if r.status == 200:
                        break
            except Exception:  # noqa: BLE001 - poll until the deadline
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError("monolith did not start: " + (work / "server.log").read_text(errors="replace")[-2000:])
                time.sleep(0.1)
        yield url, sources
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        if proc.returncode not in (0, -signal.SIGTERM):
            print((work / "server.log").read_text(errors="replace")[-4000:])
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="module")
def live():
    with mlflow_server() as started:
        yield started


@pytest.fixture(scope="module")
def client(live):
    url, _ = live
    os.environ["MLFLOW_TRACKING_TOKEN"] = ADMIN_KEY
    mlflow.set_tracking_uri(url)
    mlflow.set_registry_uri(url)
    yield MlflowClient(tracking_uri=url, registry_uri=url)
    os.environ.pop("MLFLOW_TRACKING_TOKEN", None)


def error_code(excinfo):
    return excinfo.value.error_code


def expected_output():
    session = ort.InferenceSession(str(MODELS / "linear8.onnx"))
    return session.run(None, {"input": X})[0]


def infer_v2(url, name):
    r = requests.post(f"{url}/v2/models/{name}/infer",
                      json={"inputs": [{"name": "input", "shape": [1, 8], "datatype": "FP32", "data": X.ravel().tolist()}]})
    return r


# Tracking

def test_experiment_run_params_metrics_tags_and_history(client):
    experiment_id = client.create_experiment("tracking-exp", tags={"team": "ml"})
    experiment = client.get_experiment(experiment_id)
    assert experiment.name == "tracking-exp" and experiment.lifecycle_stage == "active"
    assert experiment.tags == {"team": "ml"}
    assert client.get_experiment_by_name("tracking-exp").experiment_id == experiment_id
    assert client.get_experiment_by_name("no-such-experiment") is None
    with pytest.raises(MlflowException) as exists:
        client.create_experiment("tracking-exp")
    assert error_code(exists) == "RESOURCE_ALREADY_EXISTS"
    found = client.search_experiments(filter_string="name = 'tracking-exp'")
    assert [e.experiment_id for e in found] == [experiment_id]

    run = client.create_run(experiment_id, run_name="first", tags={"stage": "dev"})
    run_id = run.info.run_id
    assert run.info.status == "RUNNING" and run.info.run_name == "first"
    client.log_param(run_id, "alpha", "0.5")
    for step, loss in enumerate([0.9, 0.5, 0.25]):
        client.log_metric(run_id, "loss", loss, step=step, timestamp=1_700_000_000_000 + step)
    now = int(time.time() * 1000)
    client.log_batch(run_id, metrics=[Metric("accuracy", 0.75, now, 0), Metric("accuracy", 0.875, now, 1),
                                      Metric("nan_metric", float("nan"), now, 0)],
                     params=[Param("layers", "3"), Param("optimizer", "adam")],
                     tags=[RunTag("framework", "onnx")])
    client.set_tag(run_id, "temporary", "yes")
    client.delete_tag(run_id, "temporary")
    with pytest.raises(MlflowException) as changed:
        client.log_param(run_id, "alpha", "0.7")
    assert error_code(changed) == "INVALID_PARAMETER_VALUE"
    client.set_terminated(run_id)

    fetched = client.get_run(run_id)
    assert fetched.info.status == "FINISHED" and fetched.info.end_time is not None
    assert fetched.info.experiment_id == experiment_id
    assert fetched.data.params == {"alpha": "0.5", "layers": "3", "optimizer": "adam"}
    assert fetched.data.metrics["loss"] == 0.25 and fetched.data.metrics["accuracy"] == 0.875
    assert math.isnan(fetched.data.metrics["nan_metric"])
    assert fetched.data.tags["stage"] == "dev" and fetched.data.tags["framework"] == "onnx"
    assert "temporary" not in fetched.data.tags
    assert fetched.data.tags["mlflow.runName"] == "first"
    history = client.get_metric_history(run_id, "loss")
    assert [(m.step, m.value, m.timestamp) for m in history] == [
        (0, 0.9, 1_700_000_000_000), (1, 0.5, 1_700_000_000_001), (2, 0.25, 1_700_000_000_002)]

    second = client.create_run(experiment_id, run_name="second")
    client.log_metric(second.info.run_id, "loss", 0.6)
    client.log_param(second.info.run_id, "alpha", "0.9")
    low = client.search_runs([experiment_id], filter_string="metrics.loss < 0.3")
    assert [r.info.run_id for r in low] == [run_id]
    by_param = client.search_runs([experiment_id], filter_string="params.alpha = '0.9'")
    assert [r.info.run_id for r in by_param] == [second.info.run_id]
    ordered = client.search_runs([experiment_id], order_by=["metrics.loss DESC"])
    assert [r.info.run_id for r in ordered] == [second.info.run_id, run_id]
    with pytest.raises(MlflowException) as missing:
        client.get_run("0" * 32)
    assert error_code(missing) == "RESOURCE_DOES_NOT_EXIST"


def test_fluent_api(client):
    mlflow.set_experiment("fluent-exp")
    with mlflow.start_run(run_name="fluent") as run:
        mlflow.log_params({"lr": "0.01", "epochs": "3"})
        mlflow.log_metrics({"f1": 0.5, "auc": 0.7}, step=1)
        mlflow.log_metric("f1", 0.6, step=2)
        mlflow.set_tags({"owner": "tests"})
    fetched = client.get_run(run.info.run_id)
    assert fetched.info.status == "FINISHED"
    assert fetched.data.params == {"lr": "0.01", "epochs": "3"}
    assert fetched.data.metrics == {"f1": 0.6, "auc": 0.7}
    assert fetched.data.tags["owner"] == "tests"
    assert [m.value for m in client.get_metric_history(run.info.run_id, "f1")] == [0.5, 0.6]


# Model registry

def wait_status(client, name, version, timeout=30):
    deadline = time.time() + timeout
    while True:
        mv = client.get_model_version(name, version)
        if mv.status != "PENDING_REGISTRATION" or time.time() > deadline:
            return mv
        time.sleep(0.1)


def test_register_poll_alias_serve_rename_delete(client, live):
    url, sources = live
    shutil.copy(MODELS / "linear8.onnx", sources / "linear8.onnx")
    expected = expected_output()

    created = client.create_registered_model("churn", tags={"owner": "ml"}, description="churn model")
    assert created.name == "churn" and created.description == "churn model" and created.tags == {"owner": "ml"}
    with pytest.raises(MlflowException) as exists:
        client.create_registered_model("churn")
    assert error_code(exists) == "RESOURCE_ALREADY_EXISTS"

    run = client.create_run(client.create_experiment("registry-exp"))
    mv = client.create_model_version("churn", str(sources / "linear8.onnx"), run_id=run.info.run_id,
                                     tags={"k": "v"}, description="from a file")
    assert mv.version == "1"
    ready = client.get_model_version("churn", "1")
    assert ready.status == "READY", ready.status_message
    assert ready.run_id == run.info.run_id and ready.tags == {"k": "v"} and ready.description == "from a file"
    assert ready.source == str(sources / "linear8.onnx")

    # The same model from an MLflow model directory (mlflow.onnx.save_model), as a file:// URI.
    mlflow.onnx.save_model(onnx.load(str(MODELS / "linear8.onnx")), str(sources / "churn-dir"))
    mv2 = client.create_model_version("churn", (sources / "churn-dir").as_uri())
    assert mv2.version == "2" and client.get_model_version("churn", "2").status == "READY"

    # Served at once, by version and by alias.
    r = infer_v2(url, "churn")
    assert r.status_code == 200, r.text
    np.testing.assert_allclose(np.array(r.json()["outputs"][0]["data"]).reshape(expected.shape), expected, rtol=1e-5)
    client.set_registered_model_alias("churn", "champion", "1")
    assert client.get_model_version_by_alias("churn", "champion").version == "1"
    assert client.get_registered_model("churn").aliases == {"champion": "1"}
    assert infer_v2(url, "churn@champion").json()["model_version"] == "1"
    scored = requests.post(f"{url}/invocations/churn@champion", json={"inputs": X.tolist()})
    assert scored.status_code == 200, scored.text
    np.testing.assert_allclose(np.array(scored.json()["predictions"]).reshape(expected.shape), expected, rtol=1e-5)
    client.delete_registered_model_alias("churn", "champion")
    assert requests.post(f"{url}/v2/models/churn@champion/infer", json={"inputs": []}).status_code == 404
    with pytest.raises(MlflowException) as gone:
        client.get_model_version_by_alias("churn", "champion")
    assert error_code(gone) == "RESOURCE_DOES_NOT_EXIST"

    # Stages: Production also points the alias `production` (what `{m}` serves) at it.
    client.transition_model_version_stage("churn", "1", "Production")
    assert client.get_registered_model("churn").aliases == {"production": "1"}
    assert infer_v2(url, "churn").json()["model_version"] == "1"
    latest = client.get_latest_versions("churn", stages=["Production"])
    assert [(v.version, v.current_stage) for v in latest] == [("1", "Production")]
    client.transition_model_version_stage("churn", "2", "Production", archive_existing_versions=True)
    assert client.get_model_version("churn", "1").current_stage == "Archived"
    assert infer_v2(url, "churn").json()["model_version"] == "2"
    client.transition_model_version_stage("churn", "2", "Archived")
    assert client.get_registered_model("churn").aliases == {}

    client.update_registered_model("churn", description="updated")
    client.update_model_version("churn", "2", description="v2 notes")
    client.set_registered_model_tag("churn", "tier", "gold")
    client.delete_registered_model_tag("churn", "owner")
    client.set_model_version_tag("churn", "2", "validated", "true")
    client.delete_model_version_tag("churn", "1", "k")
    model = client.get_registered_model("churn")
    assert model.description == "updated" and model.tags == {"tier": "gold"}
    assert client.get_model_version("churn", "2").description == "v2 notes"
    assert client.get_model_version("churn", "2").tags == {"validated": "true"}
    assert client.get_model_version("churn", "1").tags == {}
    assert client.get_model_version_download_uri("churn", "1") == str(sources / "linear8.onnx")

    client.rename_registered_model("churn", "churn2")
    with pytest.raises(MlflowException) as renamed:
        client.get_registered_model("churn")
    assert error_code(renamed) == "RESOURCE_DOES_NOT_EXIST"
    assert infer_v2(url, "churn2").status_code == 200
    client.delete_model_version("churn2", "1")
    assert [v.version for v in client.search_model_versions("name='churn2'")] == ["2"]
    client.delete_registered_model("churn2")
    with pytest.raises(MlflowException) as deleted:
        client.get_registered_model("churn2")
    assert error_code(deleted) == "RESOURCE_DOES_NOT_EXIST"
    assert infer_v2(url, "churn2").status_code == 404


def test_sources_that_cannot_be_imported(client, live):
    _, sources = live
    client.create_registered_model("sources")
    with pytest.raises(MlflowException) as remote:
        client.create_model_version("sources", "s3://bucket/models/m")
    assert "FAILED_REGISTRATION" in str(remote.value)
    failed = client.get_model_version("sources", "1")
    assert failed.status == "FAILED_REGISTRATION" and "s3" in failed.status_message
    with pytest.raises(MlflowException) as outside:
        client.create_model_version("sources", "/etc/passwd")
    assert error_code(outside) == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as climbing:
        client.create_model_version("sources", str(sources / ".." / ".." / "etc" / "passwd"))
    assert error_code(climbing) == "INVALID_PARAMETER_VALUE"
    (sources / "broken.onnx").write_bytes(b"\x08\x01garbage")
    with pytest.raises(MlflowException):
        client.create_model_version("sources", str(sources / "broken.onnx"))
    broken = client.get_model_version("sources", "2")
    assert broken.status == "FAILED_REGISTRATION" and broken.status_message
    (sources / "sklearn-dir").mkdir()
    (sources / "sklearn-dir" / "MLmodel").write_text("flavors:\n  sklearn:\n    pickled_model: model.pkl\n")
    with pytest.raises(MlflowException):
        client.create_model_version("sources", str(sources / "sklearn-dir"))
    assert "onnx flavor" in client.get_model_version("sources", "3").status_message
    with pytest.raises(MlflowException) as unknown:
        client.create_model_version("no-such-model", str(sources / "linear8.onnx"))
    assert error_code(unknown) == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException) as failed_alias:
        client.set_registered_model_alias("sources", "production", "1")
    assert error_code(failed_alias) == "INVALID_PARAMETER_VALUE"


def test_register_from_a_run_with_local_artifacts(client, live):
    _, sources = live
    model_dir = sources / "staging" / "model"
    mlflow.onnx.save_model(onnx.load(str(MODELS / "linear8.onnx")), str(model_dir))
    experiment_id = client.create_experiment("artifacts-exp", artifact_location=(sources / "mlruns").as_uri())
    run = client.create_run(experiment_id)
    client.log_artifacts(run.info.run_id, str(model_dir), "model")
    version = mlflow.register_model(f"runs:/{run.info.run_id}/model", "from-run")
    assert client.get_model_version("from-run", version.version).status == "READY"
    # The server resolves runs:/ itself too.
    direct = client.create_model_version("from-run", f"runs:/{run.info.run_id}/model", run_id=run.info.run_id)
    assert client.get_model_version("from-run", direct.version).status == "READY"


def test_search_filters_and_pagination(client, live):
    url, sources = live
    shutil.copy(MODELS / "linear8.onnx", sources / "search.onnx")
    names = [f"search-{i}" for i in range(5)]
    for i, name in enumerate(names):
        client.create_registered_model(name, tags={"parity": "even" if i % 2 == 0 else "odd"})
    run = client.create_run(client.create_experiment("search-exp"))
    for _ in range(3):
        client.create_model_version("search-0", str(sources / "search.onnx"), run_id=run.info.run_id)

    page1 = client.search_registered_models(filter_string="name LIKE 'search-%'", max_results=2, order_by=["name DESC"])
    assert [m.name for m in page1] == ["search-4", "search-3"] and page1.token
    page2 = client.search_registered_models(filter_string="name LIKE 'search-%'", max_results=2,
                                            order_by=["name DESC"], page_token=page1.token)
    page3 = client.search_registered_models(filter_string="name LIKE 'search-%'", max_results=2,
                                            order_by=["name DESC"], page_token=page2.token)
    assert [m.name for m in page2] == ["search-2", "search-1"]
    assert [m.name for m in page3] == ["search-0"] and not page3.token
    assert [m.name for m in client.search_registered_models(filter_string="name ILIKE 'SEARCH-3'")] == ["search-3"]
    assert [m.name for m in client.search_registered_models(filter_string="name = 'search-1'")] == ["search-1"]
    even = client.search_registered_models(filter_string="tags.parity = 'even' AND name LIKE 'search-%'")
    assert sorted(m.name for m in even) == ["search-0", "search-2", "search-4"]
    with pytest.raises(MlflowException) as bad:
        client.search_registered_models(max_results=1001)
    assert error_code(bad) == "INVALID_PARAMETER_VALUE"

    versions = client.search_model_versions("name='search-0'", max_results=2)
    assert [v.version for v in versions] == ["3", "2"] and versions.token
    rest = client.search_model_versions("name='search-0'", max_results=2, page_token=versions.token)
    assert [v.version for v in rest] == ["1"] and not rest.token
    by_run = client.search_model_versions(f"run_id='{run.info.run_id}'")
    assert sorted(v.version for v in by_run) == ["1", "2", "3"]
    both = client.search_model_versions(f"name='search-0' AND run_id='{run.info.run_id}'", order_by=["version_number ASC"])
    assert [v.version for v in both] == ["1", "2", "3"]

    # copy_model_version sends a models:/ source: the registered file is reused.
    copied = client.copy_model_version("models:/search-0/2", "search-copy")
    copy = wait_status(client, "search-copy", copied.version)
    assert copy.status == "READY" and copy.source == "models:/search-0/2", copy.status_message
    assert infer_v2(url, "search-copy").status_code == 200

    # A version uploaded through the management API is an MLflow version too.
    uploaded = requests.post(f"{url}/api/models/search-1/versions", data=(MODELS / "linear8.onnx").read_bytes(),
                             headers={"Content-Type": "application/octet-stream", "Authorization": f"Bearer {ADMIN_KEY}"})
    assert uploaded.status_code == 201, uploaded.text
    listed = client.search_model_versions("name='search-1'")
    assert [(v.version, v.status) for v in listed] == [("1", "READY")]


def test_the_api_needs_the_admin_key(live):
    url, _ = live
    r = requests.post(f"{url}/api/2.0/mlflow/registered-models/create", json={"name": "anonymous"})
    assert r.status_code == 401 and r.json()["error_code"] == "UNAUTHENTICATED"
    r = requests.post(f"{url}/api/2.0/mlflow/runs/create", json={"experiment_id": "0"})
    assert r.status_code == 401 and r.json()["error_code"] == "UNAUTHENTICATED"
    r = requests.get(f"{url}/api/2.0/mlflow/registered-models/search")
    assert r.status_code == 401 and r.json()["error_code"] == "UNAUTHENTICATED"
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    r = requests.get(f"{url}/api/2.0/mlflow/registered-models/get", params={"name": "nope"}, headers=admin)
    assert r.status_code == 404 and r.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    r = requests.get(f"{url}/ajax-api/2.0/mlflow/experiments/get", params={"experiment_id": "0"}, headers=admin)
    assert r.status_code == 200 and r.json()["experiment"]["name"] == "Default"
