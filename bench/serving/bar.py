#!/usr/bin/env python3
"""The serving bar (issue 5): POST /predict, one row, RandomForest 100 trees depth 10 (ONNX),
wrk -t2 -c64 -d10s, monolith against nginx returning a fixed body, in the same run.

    bench/serving/bar.py [--monolith .build/release/monolith] [--duration 10] [--rounds 3]

Bar: monolith requests/s >= 0.7 x nginx's, p99 <= 1.5 x nginx's, monolith RSS under load
<= 30 MiB. The rounds alternate nginx and monolith; the median round is reported. Everything
listens on 127.0.0.1; every process started here is stopped by PID. Not a test: figures.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "bench" / "lib" / "make_models.py"

WRK_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("BAR_BODY")
"""

NGINX_CONF = """daemon off;
master_process on;
worker_processes 2;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    default_type application/json;
    keepalive_requests 1000000;
    client_body_temp_path {dir}/cb; proxy_temp_path {dir}/px; fastcgi_temp_path {dir}/fc;
    uwsgi_temp_path {dir}/uw; scgi_temp_path {dir}/sc;
    server {{
        listen 127.0.0.1:{port};
        location = /predict {{ return 200 '{body}'; }}
        location = /health {{ return 200 '{{"status":"ok"}}'; }}
    }}
}}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port, path, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as r:
                if r.status == 200:
                    return
        except Exception:
            time.sleep(0.1)
    raise RuntimeError(f"127.0.0.1:{port}{path} not ready after {timeout}s")


def post(port, path, body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body.encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.read().decode()


class RSSSampler:
    """Peak VmRSS (KiB) of a PID, sampled every 50 ms."""

    def __init__(self, pid):
        self.pid, self.peak, self.stop = pid, 0, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.is_set():
            try:
                for line in open(f"/proc/{self.pid}/status"):
                    if line.startswith("VmRSS:"):
                        self.peak = max(self.peak, int(line.split()[1]))
            except OSError:
                return
            time.sleep(0.05)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def wrk(port, body, duration, lua):
    argv = ["wrk", "-t2", "-c64", f"-d{duration}s", "--latency", "-s", lua, f"http://127.0.0.1:{port}/predict"]
    out = subprocess.run(argv, env=dict(os.environ, BAR_BODY=body), capture_output=True, text=True,
                         timeout=duration + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"\s99%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 1, "ms": 1000, "s": 1_000_000}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p99_us": float(p99.group(1)) * scale,
            "non2xx": int(errors.group(1)) if errors else 0, "socket_errors": socket_errors.group(1) if socket_errors else ""}


def start(argv, log, env=None):
    with open(log, "wb") as out:
        return subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc):
    if proc and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--monolith", default=str(ROOT / ".build" / "release" / "monolith"))
    p.add_argument("--duration", type=int, default=10)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--models", default=os.environ.get("BAR_MODELS", "/tmp/monolith-bar-models"),
                   help="cache of bench/lib/make_models.py output (made when missing)")
    a = p.parse_args()
    if not shutil.which("wrk") or not shutil.which("nginx") and not os.path.exists("/usr/sbin/nginx"):
        sys.exit("needs wrk and nginx")
    models = Path(a.models)
    if not (models / "check.json").exists():
        print(f"making the benchmark models in {models} (a few minutes) ...", flush=True)
        subprocess.run([sys.executable, str(MODELS), str(models)], check=True, stdout=subprocess.DEVNULL)
    check = json.loads((models / "check.json").read_text())
    body = json.dumps({"features": check["bench_row"]}, separators=(",", ":"))
    import numpy as np
    import onnxruntime as ort
    rf = models / "registries" / "rf" / "models" / "1" / "model.onnx"
    session = ort.InferenceSession(str(rf), providers=["CPUExecutionProvider"])
    expected = float(session.run(None, {"input": np.array([check["bench_row"]], dtype=np.float32)})[0].ravel()[0])

    work = Path(tempfile.mkdtemp(prefix="monolith-bar-"))
    procs = []
    try:
        lua = work / "post.lua"
        lua.write_text(WRK_LUA)
        registry = work / "registry" / "rf" / "1"
        registry.mkdir(parents=True)
        shutil.copy(models / "registries" / "rf" / "models" / "1" / "model.onnx", registry / "model.onnx")

        nginx_port, mono_port = free_port(), free_port()
        fixed = json.dumps({"predictions": [round(expected, 6)], "model": "rf", "model_version": "1"}, separators=(",", ":"))
        (work / "nginx").mkdir()
        conf = work / "nginx" / "nginx.conf"
        conf.write_text(NGINX_CONF.format(dir=work / "nginx", port=nginx_port, body=fixed))
        nginx = start([shutil.which("nginx") or "/usr/sbin/nginx", "-p", str(work / "nginx"), "-c", str(conf),
                       "-e", str(work / "nginx" / "error.log")], work / "nginx.out")
        procs.append(nginx)
        env = dict(os.environ, MONOLITH_LOG_LEVEL="warning", MONOLITH_DEFAULT_MODEL="rf")
        mono = start([a.monolith, "serve", "--host", "127.0.0.1", "--port", str(mono_port),
                      "--registry", str(work / "registry"), "--data", str(work / "data")], work / "monolith.log", env=env)
        procs.append(mono)
        wait_ready(nginx_port, "/health")
        wait_ready(mono_port, "/health/ready")
        status, answer = post(mono_port, "/predict", body)
        got = json.loads(answer)["predictions"][0]
        if status != 200 or abs(got - expected) > 1e-3 + 1e-5 * abs(expected):
            sys.exit(f"monolith answered {status} {answer}, expected {expected}")
        print(f"monolith answers {answer}")

        # Warm both (page cache, branch predictors, connection setup).
        wrk(nginx_port, body, 2, lua)
        wrk(mono_port, body, 2, lua)
        rounds = []
        for i in range(a.rounds):
            n = wrk(nginx_port, body, a.duration, lua)
            with RSSSampler(mono.pid) as rss:
                m = wrk(mono_port, body, a.duration, lua)
            m["rss_peak_mib"] = round(rss.peak / 1024, 1)
            rounds.append((n, m))
            print(f"round {i + 1}: nginx {n['rps']:.0f} req/s p99 {n['p99_us']:.0f} us | monolith {m['rps']:.0f} req/s "
                  f"p99 {m['p99_us']:.0f} us RSS {m['rss_peak_mib']} MiB | ratio {m['rps'] / n['rps']:.2f} "
                  f"p99 ratio {m['p99_us'] / n['p99_us']:.2f} | errors {m['non2xx']} {m['socket_errors']}", flush=True)
        ratios = [m["rps"] / n["rps"] for n, m in rounds]
        median = sorted(range(len(rounds)), key=lambda i: ratios[i])[len(rounds) // 2]
        n, m = rounds[median]
        result = {
            "nginx": n, "monolith": m,
            "rps_ratio": round(m["rps"] / n["rps"], 3), "p99_ratio": round(m["p99_us"] / n["p99_us"], 3),
            "rss_peak_mib": max(r[1]["rss_peak_mib"] for r in rounds),
            "command": f"wrk -t2 -c64 -d{a.duration}s --latency -s post.lua http://127.0.0.1:PORT/predict",
        }
        result["bar"] = {
            "rps >= 0.7x nginx": result["rps_ratio"] >= 0.7,
            "p99 <= 1.5x nginx": result["p99_ratio"] <= 1.5,
            "RSS <= 30 MiB": result["rss_peak_mib"] <= 30,
        }
        print(json.dumps(result, indent=2))
        return 0 if all(result["bar"].values()) else 1
    finally:
        for proc in reversed(procs):
            stop(proc)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
