#!/usr/bin/env python3
"""The gateway bar (issue 6): what the whole gateway chain costs on POST /predict.

    bench/gateway/bar.py [--monolith .build/release/monolith] [--duration 10] [--rounds 3]
                         [--log file|devnull|pipe] [--model linear|rf]

Two servers from the same binary, same model, same machine, started side by side and
loaded one at a time (rounds alternate, so machine noise hits both):
  chain on   every request carries `Authorization: Bearer <predict key>`: key check, rate
             limit (MONOLITH_RATE_LIMIT_PREDICT=1000000:1000000, so it is evaluated but never
             refuses), request id + traceparent, access log line, metrics;
  chain off  MONOLITH_GATEWAY=off (same request bytes, header ignored).
Load: wrk -t2 -c64 -d10s on 127.0.0.1. Access log (stdout) goes to a file by default
(`--log devnull`: /dev/null; `--log pipe`: a pipe drained by a reader, as docker's stdout).
Bar: chain-on requests/s >= 0.90 x chain-off requests/s (median rounds).

Python is only the harness. Everything listens on 127.0.0.1 and every process started
here is stopped by PID. Not a test: figures.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "lib"))
import procs  # noqa: E402  (the suite's free_port, wait_ready and stop by process group)

WRK_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BAR_KEY")
wrk.body = os.getenv("BAR_BODY")
"""


def linear_model(path):
    """y = x @ W + b, x float32 [N, 8]: the cheapest honest /predict (the gateway's worst case)."""
    import onnx
    from onnx import TensorProto, helper
    w = helper.make_tensor("W", TensorProto.FLOAT, [8, 1], [0.5, -1.0, 2.0, 0.25, -0.5, 1.5, 0.75, -2.0])
    b = helper.make_tensor("b", TensorProto.FLOAT, [1], [0.1])
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["input", "W"], ["xw"]), helper.make_node("Add", ["xw", "b"], ["output"])],
        "linear8", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 8])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 1])], initializer=[w, b])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))


def rf_model(path, work):
    subprocess.run([sys.executable, str(ROOT / "bench" / "lib" / "make_models.py"), str(work / "models")], check=True,
                   stdout=subprocess.DEVNULL)
    shutil.copy(work / "models" / "registries" / "rf" / "models" / "1" / "model.onnx", path)


def post(port, body, key):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/predict", data=body.encode(), method="POST",
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, dict(r.headers), r.read().decode()


def wrk(port, body, key, duration, lua, threads=2, connections=64):
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "-s", str(lua), f"http://127.0.0.1:{port}/predict"]
    out = subprocess.run(argv, env=dict(os.environ, BAR_BODY=body, BAR_KEY=key), capture_output=True, text=True,
                         timeout=duration + 60).stdout
    rps = None
    non2xx = 0
    for line in out.splitlines():
        if line.startswith("Requests/sec:"):
            rps = float(line.split()[1])
        if "Non-2xx or 3xx responses:" in line:
            non2xx = int(line.split()[-1])
    if rps is None:
        raise RuntimeError("wrk output without Requests/sec:\n" + out)
    return rps, non2xx, out


class Drain(threading.Thread):
    """Reads a pipe to EOF (what docker's log driver does with a container's stdout)."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream = stream
        self.bytes = 0

    def run(self):
        while True:
            chunk = self.stream.read(1 << 16)
            if not chunk:
                return
            self.bytes += len(chunk)


def start(binary, data, registry, port, extra_env, log_mode, log_path):
    env = {"PATH": "/usr/bin:/bin", "MONOLITH_HOST": "127.0.0.1", "PORT": str(port), "MONOLITH_DATA": str(data),
           "MONOLITH_REGISTRY": str(registry), "MONOLITH_EVENT_LOOPS": "2", "MONOLITH_DEFAULT_MODEL": "m"}
    env.update(extra_env)
    drain = None
    if log_mode == "pipe":
        proc = subprocess.Popen([str(binary), "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        drain = Drain(proc.stdout)
        drain.start()
    else:
        target = open(os.devnull if log_mode == "devnull" else log_path, "wb")
        proc = subprocess.Popen([str(binary), "serve"], env=env, stdout=target, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        target.close()
    return proc, drain


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--monolith", default=str(ROOT / ".build" / "release" / "monolith"))
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--log", choices=["file", "devnull", "pipe"], default="file")
    ap.add_argument("--model", choices=["linear", "rf"], default="linear")
    ap.add_argument("--concurrent", action="store_true", help="also load both servers at once (noise-robust cross-check)")
    ap.add_argument("--json", help="write the figures here as JSON")
    args = ap.parse_args()
    binary = Path(args.monolith)
    if not binary.exists():
        sys.exit(f"{binary} not found: swift build -c release")

    work = Path(tempfile.mkdtemp(prefix="gateway-bar-"))
    started = []
    try:
        registry = work / "registry" / "m" / "1"
        registry.mkdir(parents=True)
        (linear_model if args.model == "linear" else lambda p: rf_model(p, work))(registry / "model.onnx")
        data_on, data_off = work / "data-on", work / "data-off"
        key = subprocess.run([str(binary), "keys", "create", "--name", "bench", "--scope", "predict", "--data", str(data_on)],
                             capture_output=True, text=True, check=True).stdout.strip()
        lua = work / "bar.lua"
        lua.write_text(WRK_LUA)
        body = json.dumps({"features": [0.5, 1.2, -0.3, 2.0, 0.0, 1.1, -1.4, 0.7]}, separators=(",", ":"))

        port_on, port_off = procs.free_port(), procs.free_port()
        log_on = work / "access-on.log"
        on, drain_on = start(binary, data_on, work / "registry", port_on,
                             {"MONOLITH_RATE_LIMIT_PREDICT": "1000000:1000000"}, args.log, log_on)
        started.append(on)
        off, drain_off = start(binary, data_off, work / "registry", port_off, {"MONOLITH_GATEWAY": "off"}, args.log,
                               work / "access-off.log")
        started.append(off)
        procs.wait_ready(on, port_on, "/health/ready", time.monotonic(), 120)
        procs.wait_ready(off, port_off, "/health/ready", time.monotonic(), 120)

        # Same answer from both; the chain's headers only on one.
        s_on, h_on, b_on = post(port_on, body, key)
        s_off, h_off, b_off = post(port_off, body, key)
        assert s_on == 200 and s_off == 200 and json.loads(b_on) == json.loads(b_off), (b_on, b_off)
        assert "traceparent" in h_on and "X-Request-ID" in h_on, h_on
        assert "traceparent" not in h_off, h_off
        try:
            post(port_on, body, "mk_000000000000_" + "0" * 64)
            raise AssertionError("a wrong key was accepted")
        except urllib.error.HTTPError as e:
            assert e.code == 401

        wrk(port_on, body, key, 2, lua)  # warm-up
        wrk(port_off, body, key, 2, lua)
        rounds = []
        for i in range(args.rounds):
            order = [("on", port_on), ("off", port_off)] if i % 2 == 0 else [("off", port_off), ("on", port_on)]
            result = {}
            for name, port in order:
                rps, non2xx, _ = wrk(port, body, key, args.duration, lua)
                if non2xx:
                    raise RuntimeError(f"chain {name}: {non2xx} non-2xx answers")
                result[name] = rps
            rounds.append(result)
            print(f"round {i + 1}: chain on {result['on']:,.0f} req/s, chain off {result['off']:,.0f} req/s, "
                  f"ratio {result['on'] / result['off']:.3f}", flush=True)
        # Cross-check robust to a busy machine: both servers loaded at once (wrk -t1 -c32
        # each), so whatever else runs slows both alike; the ratio is their relative cost.
        concurrent = []
        for i in range(args.rounds if args.concurrent else 0):
            out = {}
            threads = [threading.Thread(target=lambda n=n, p=p: out.__setitem__(n, wrk(p, body, key, args.duration, lua, 1, 32)))
                       for n, p in (("on", port_on), ("off", port_off))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            concurrent.append({"on": out["on"][0], "off": out["off"][0]})
            print(f"concurrent {i + 1}: chain on {out['on'][0]:,.0f} req/s, chain off {out['off'][0]:,.0f} req/s, "
                  f"ratio {out['on'][0] / out['off'][0]:.3f}", flush=True)
        on_median = statistics.median(r["on"] for r in rounds)
        off_median = statistics.median(r["off"] for r in rounds)
        ratio_median = statistics.median(r["on"] / r["off"] for r in rounds)

        # The chain really ran: one access line per request, metrics counted.
        with urllib.request.urlopen(f"http://127.0.0.1:{port_on}/metrics", timeout=10) as r:
            metrics = r.read().decode()
        counted = sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                      if line.startswith('monolith_http_requests_total{route="/predict"'))
        procs.stop(on, grace=20)
        procs.stop(off, grace=20)
        lines = None
        if args.log == "file":
            lines = sum(1 for line in open(log_on, "rb") if b'"monolith.access"' in line)
        elif drain_on:
            drain_on.join(timeout=10)
        figures = {
            "model": args.model, "log": args.log, "duration_s": args.duration, "rounds": rounds,
            "chain_on_rps_median": on_median, "chain_off_rps_median": off_median,
            "ratio_of_medians": on_median / off_median, "median_ratio": ratio_median,
            "cost_percent": 100 * (1 - ratio_median), "predict_requests_counted": counted, "access_lines": lines,
            "concurrent_rounds": concurrent,
            "concurrent_median_ratio": statistics.median(r["on"] / r["off"] for r in concurrent) if concurrent else None,
            "bar": "chain on >= 0.90 x chain off", "pass": ratio_median >= 0.90,
        }
        print(json.dumps(figures, indent=2))
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
        return 0 if figures["pass"] else 1
    finally:
        for p in started:
            procs.stop(p, grace=20)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
