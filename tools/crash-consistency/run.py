#!/usr/bin/env python3
"""Crash consistency of the registry (issue 4): kill -9 at random moments, then check.

    python3 tools/crash-consistency/run.py [--kills 200] [--binary .build/debug/monolith] [--seed N]

Each round starts `monolith serve` on a data directory and a watched registry folder, and
while it runs, at the same time:
  - `monolith import` processes (other writers on the same SQLite file, WAL) — some of them
    are themselves killed -9 mid-import;
  - HTTP uploads (POST /api/models/{name}/versions);
  - version folders dropped into the registry folder (written then renamed in), and old ones
    removed;
then kills the server with SIGKILL after a random delay (0-400 ms, so kills land during
start-up, folder import, loads, uploads and commits). After every kill it checks, with the
server down:
  1. PRAGMA integrity_check answers ok (and foreign_key_check is empty);
  2. every version row's artifact exists under artifacts/sha256/ab/<hex> and hashes to it,
     with the recorded size: no half-written version is ever visible;
  3. every import and upload that was acknowledged (exit 0 / 201) is present with its hash;
then restarts the server and checks that it serves: /health/ready 200, and every model with a
ready version answers an inference with the value its file computes (y = x + c).
Only the Python standard library is needed: the models are tiny ONNX files encoded here.
Servers listen on 127.0.0.1; every process started is stopped by PID.
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


# --- tiny ONNX models: y = x + c ------------------------------------------------------------

def _varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def _field(number, payload):
    if isinstance(payload, int):
        return _varint(number << 3) + _varint(payload)
    if isinstance(payload, str):
        payload = payload.encode()
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def add_constant_model(c):
    """ONNX bytes of y = x + c, x float32 [N] (ai.onnx Add, opset 13)."""
    dim = _field(1, _field(2, "N"))
    tensor_type = _field(1, _field(1, 1) + _field(2, dim))
    x = _field(1, "x") + _field(2, tensor_type)
    y = _field(1, "y") + _field(2, tensor_type)
    constant = _field(2, 1) + _field(8, "c") + _field(4, struct.pack("<f", c))
    node = _field(1, "x") + _field(1, "c") + _field(2, "y") + _field(3, "add") + _field(4, "Add")
    graph = _field(1, node) + _field(2, "g") + _field(5, constant) + _field(11, x) + _field(12, y)
    opset = _field(1, "") + _field(2, 13)
    return _field(1, 8) + _field(2, "crash-test") + _field(7, graph) + _field(8, opset)


# --- HTTP -------------------------------------------------------------------------------------

# Uploads are management calls: the gateway wants an admin key (MONOLITH_ADMIN_KEY bootstraps it).
ADMIN_KEY = "mk_crash_consistency_admin_0123456789abcdef"


def request(port, method, path, body=b"", content_type="application/json", timeout=5.0, key=None):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {len(body)}\r\n"
            if body:
                head += f"Content-Type: {content_type}\r\n"
            if key:
                head += f"Authorization: Bearer {key}\r\n"
            s.sendall(head.encode() + b"\r\n" + body)
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
    except OSError:
        return None
    if not data.startswith(b"HTTP/1.1 "):
        return None
    return int(data.split(b" ", 2)[1]), data.split(b"\r\n\r\n", 1)[-1]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the run ----------------------------------------------------------------------------------

class Run:
    def __init__(self, args):
        self.args = args
        self.binary = os.path.abspath(args.binary)
        self.work = tempfile.mkdtemp(prefix="monolith-crash-")
        self.data = os.path.join(self.work, "data")
        self.registry = os.path.join(self.work, "registry")
        self.inbox = os.path.join(self.work, "inbox")
        os.makedirs(self.registry)
        os.makedirs(self.inbox)
        self.rng = random.Random(args.seed)
        self.acknowledged = {}          # (model, version) -> sha256 of acknowledged imports/uploads
        self.constants = {}             # sha256 -> c, to check answers
        self.folder_next = {}           # folder model -> next version number
        self.refusals = {}              # HTTP status -> uploads answered with it instead of 201
        self.counts = {k: 0 for k in ["kills", "imports_ok", "imports_killed", "imports_failed", "uploads_ok",
                                      "uploads_cut", "uploads_refused", "folder_drops", "folder_removals", "versions_checked",
                                      "restarts_ready", "answers_checked"]}
        self.lock = threading.Lock()

    def model_bytes(self):
        c = float(self.rng.randrange(1, 1_000_000))
        data = add_constant_model(c)
        self.constants[hashlib.sha256(data).hexdigest()] = c
        return data

    def serve(self, port):
        env = dict(os.environ, MONOLITH_POLL_INTERVAL="0.05", MONOLITH_LOG_LEVEL="error", MONOLITH_ADMIN_KEY=ADMIN_KEY)
        return subprocess.Popen([self.binary, "serve", "--data", self.data, "--registry", self.registry,
                                 "--host", "127.0.0.1", "--port", str(port), "--shutdown-grace", "1"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)

    # Writers running while the server lives.

    def cli_imports(self, stop):
        while not stop.is_set():
            data = self.model_bytes()
            path = os.path.join(self.inbox, f"{hashlib.sha256(data).hexdigest()}.onnx")
            with open(path, "wb") as f:
                f.write(data)
            name = f"cli-{self.rng.randrange(3)}"
            proc = subprocess.Popen([self.binary, "import", path, "--name", name, "--data", self.data],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            killed = False
            if self.rng.random() < 0.3:
                time.sleep(self.rng.uniform(0, 0.05))
                if proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)
                    killed = True
            out, err = proc.communicate()
            with self.lock:
                if proc.returncode == 0:
                    version = int(out.decode().split("version ", 1)[1].split()[0])
                    self.acknowledged[(name, version)] = hashlib.sha256(data).hexdigest()
                    self.counts["imports_ok"] += 1
                elif killed:
                    self.counts["imports_killed"] += 1
                else:
                    self.counts["imports_failed"] += 1
            os.unlink(path)

    def uploads(self, port, stop):
        while not stop.is_set():
            data = self.model_bytes()
            name = f"http-{self.rng.randrange(3)}"
            answer = request(port, "POST", f"/api/models/{name}/versions", data, "application/octet-stream", key=ADMIN_KEY)
            with self.lock:
                if answer and answer[0] == 201:
                    body = json.loads(answer[1])
                    self.acknowledged[(name, int(body["version"]))] = body["sha256"]
                    self.counts["uploads_ok"] += 1
                elif answer:
                    # An answer that is not 201 (401, 503 while starting...): not acknowledged.
                    self.counts["uploads_refused"] += 1
                    self.refusals[answer[0]] = self.refusals.get(answer[0], 0) + 1
                else:
                    self.counts["uploads_cut"] += 1
            time.sleep(0.005)

    def folder_drops(self, stop):
        while not stop.is_set():
            model = f"dir-{self.rng.randrange(2)}"
            number = self.folder_next.get(model, 1)
            self.folder_next[model] = number + 1
            staging = os.path.join(self.registry, f".staging-{model}-{number}")
            os.makedirs(staging, exist_ok=True)
            with open(os.path.join(staging, "model.onnx"), "wb") as f:
                f.write(self.model_bytes())
            os.makedirs(os.path.join(self.registry, model), exist_ok=True)
            os.rename(staging, os.path.join(self.registry, model, str(number)))
            self.counts["folder_drops"] += 1
            if number > 3 and self.rng.random() < 0.5:
                old = os.path.join(self.registry, model, str(number - 3))
                shutil.rmtree(old, ignore_errors=True)
                self.counts["folder_removals"] += 1
            time.sleep(self.rng.uniform(0.01, 0.08))

    # Checks with the server down.

    def check_store(self):
        db = sqlite3.connect(os.path.join(self.data, "monolith.sqlite"), timeout=30)
        try:
            integrity = db.execute("PRAGMA integrity_check").fetchall()
            assert integrity == [("ok",)], f"integrity_check: {integrity}"
            assert db.execute("PRAGMA foreign_key_check").fetchall() == [], "foreign_key_check failed"
            rows = db.execute("""SELECT m.name, v.version, v.sha256, v.size, v.status FROM model_versions v
                                 JOIN registered_models m ON m.id = v.model_id""").fetchall()
        finally:
            db.close()
        present = {}
        for name, version, sha, size, status in rows:
            assert status in ("ready", "failed", "loading"), f"{name}/{version}: status {status}"
            path = os.path.join(self.data, "artifacts", "sha256", sha[:2], sha)
            assert os.path.isfile(path), f"{name}/{version}: artifact {sha} missing"
            with open(path, "rb") as f:
                content = f.read()
            assert len(content) == size, f"{name}/{version}: artifact has {len(content)} bytes, row says {size}"
            assert hashlib.sha256(content).hexdigest() == sha, f"{name}/{version}: artifact content does not match its hash"
            present[(name, version)] = sha
            self.counts["versions_checked"] += 1
        with self.lock:
            for key, sha in self.acknowledged.items():
                assert present.get(key) == sha, f"acknowledged {key[0]}/{key[1]} sha256 {sha} is {present.get(key)} after the crash"
        return present

    def check_serves(self, present):
        port = free_port()
        proc = self.serve(port)
        try:
            deadline = time.time() + 60
            while time.time() < deadline:
                answer = request(port, "GET", "/health/ready", timeout=2)
                if answer and answer[0] == 200:
                    break
                time.sleep(0.01)
            else:
                raise AssertionError(f"not ready after restart: {request(port, 'GET', '/health/ready')}")
            self.counts["restarts_ready"] += 1
            models = {name for name, _ in present}
            for name in sorted(models):
                answer = request(port, "POST", f"/v2/models/{name}/infer",
                                 b'{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[0.5]}]}')
                assert answer and answer[0] == 200, f"{name}: {answer}"
                body = json.loads(answer[1])
                version = int(body["model_version"])
                sha = present.get((name, version))
                if sha is None:   # a folder version imported by this restart
                    continue
                c = self.constants.get(sha)
                y = body["outputs"][0]["data"][0]
                assert c is not None and abs(y - (0.5 + c)) < 1e-3 * max(1.0, c), f"{name}/{version} answered {y}, expected {0.5 + (c or 0)}"
                self.counts["answers_checked"] += 1
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def round(self, index):
        port = free_port()
        proc = self.serve(port)
        stop = threading.Event()
        writers = [threading.Thread(target=self.cli_imports, args=(stop,)),
                   threading.Thread(target=self.uploads, args=(port, stop)),
                   threading.Thread(target=self.folder_drops, args=(stop,))]
        for w in writers:
            w.start()
        try:
            time.sleep(self.rng.uniform(0, 0.4))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            self.counts["kills"] += 1
        finally:
            stop.set()
            for w in writers:
                w.join()
        present = self.check_store()
        if index % self.args.serve_check_every == 0 or index == self.args.kills - 1:
            self.check_serves(present)

    def main(self):
        started = time.time()
        try:
            for i in range(self.args.kills):
                self.round(i)
                if (i + 1) % 25 == 0:
                    print(f"[crash] {i + 1} kills, {json.dumps(self.counts)}", flush=True)
        finally:
            if not self.args.keep:
                shutil.rmtree(self.work, ignore_errors=True)
        self.counts["seconds"] = round(time.time() - started, 1)
        # A run where one kind of writer never got a write acknowledged checked nothing about it.
        for kind in ("imports_ok", "uploads_ok", "folder_drops"):
            assert self.counts[kind] > 0, f"no {kind} in the whole run (upload answers: {self.refusals}): the writers did not write"
        print("[crash] passed:", json.dumps(self.counts), "upload refusals by status:", json.dumps(self.refusals), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "debug", "monolith"))
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--serve-check-every", type=int, default=5, help="restart and check serving every N kills")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    print(f"[crash] seed {args.seed}, {args.kills} kills, binary {args.binary}", flush=True)
    try:
        Run(args).main()
    except AssertionError as error:
        print(f"[crash] FAILED: {error}", file=sys.stderr, flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
