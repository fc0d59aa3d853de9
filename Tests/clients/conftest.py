"""Starts one `monolith serve` for the client tests (or uses MONOLITH_URL if set).

The server listens on 127.0.0.1 on a free port, serves a Triton-layout registry folder made
from the committed fixtures (models/*.onnx) and is stopped by PID at the end.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
MODELS = HERE / "models"

# The bootstrap admin key every test server gets (MONOLITH_ADMIN_KEY): management routes
# (uploads, aliases, repository load/unload, keys) refuse requests without an admin key.
ADMIN_KEY = "clients-admin-" + os.urandom(16).hex()
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}

# name -> (fixture file, versions)
REGISTRY = {"mlp": ("mlp.onnx", [1]), "affine": ("affine.onnx", [1, 2]), "types": ("identity_types.onnx", [1]),
            "two": ("two_inputs.onnx", [1]), "my_model": ("linear8.onnx", [1])}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url, timeout=60.0):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/health/ready", timeout=2) as r:
                if r.status == 200:
                    return
        except Exception as e:  # noqa: BLE001 - keep polling until the deadline
            last = e
        time.sleep(0.1)
    raise RuntimeError(f"monolith not ready at {url}: {last}")


@contextlib.contextmanager
def running_server(default_model="mlp", env_extra=None):
    """Starts a fresh server (with `env_extra` added to its environment); yields (base URL,
    registry folder); stops it by PID."""
    binary = os.environ.get("MONOLITH_BIN", str(ROOT / ".build" / "debug" / "monolith"))
    work = Path(tempfile.mkdtemp(prefix="monolith-clients-"))
    registry = work / "registry"
    for name, (file, versions) in REGISTRY.items():
        for v in versions:
            (registry / name / str(v)).mkdir(parents=True)
            shutil.copy(MODELS / file, registry / name / str(v) / "model.onnx")
    port = free_port()
    env = dict(os.environ, MONOLITH_DEFAULT_MODEL=default_model, MONOLITH_LOG_LEVEL="warning",
               MONOLITH_ADMIN_KEY=ADMIN_KEY, **(env_extra or {}))
    log = open(work / "server.log", "wb")
    proc = subprocess.Popen([binary, "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--data", str(work / "data"), "--registry", str(registry)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url)
        yield url, registry
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        if proc.returncode not in (0, -signal.SIGTERM):
            print(f"monolith exited with {proc.returncode}:")
            print((work / "server.log").read_text(errors="replace")[-4000:])
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="session")
def server():
    """(base URL, registry folder) of the server the client tests share."""
    if os.environ.get("MONOLITH_URL"):
        yield os.environ["MONOLITH_URL"].rstrip("/"), None
        return
    with running_server() as started:
        yield started


@pytest.fixture(scope="session")
def url(server):
    return server[0]


@pytest.fixture(scope="session")
def host(url):
    return url.removeprefix("http://")
