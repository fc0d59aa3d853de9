#!/usr/bin/env python3
"""A/B of monolith builds on the serving bar's load: POST /predict, one row, RandomForest 100
trees depth 10, wrk -t2 -c64. Each build serves on its own port; rounds alternate the builds;
the medians of requests/s and of the server's CPU time per request (user + system, from
/proc/PID/stat over the round) are printed side by side.

    bench/serving/ab.py BUILD_A BUILD_B [--rounds 8] [--duration 5] [--env KEY=VALUE ...]

CPU per request is the steadier figure on a shared machine: it moves less with neighbours
than requests/s. Everything listens on 127.0.0.1; every process started here is stopped by PID.
Not a test: figures (used for the per-change measurements in issue 5's notes).
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bar  # noqa: E402  (the bar's helpers: models, wrk script, process control)


def server_cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("builds", nargs="+", help="monolith binaries to compare")
    p.add_argument("--rounds", type=int, default=8)
    p.add_argument("--duration", type=int, default=5)
    p.add_argument("--env", action="append", default=[], help="KEY=VALUE for every server")
    p.add_argument("--models", default=os.environ.get("BAR_MODELS", "/tmp/monolith-bar-models"))
    a = p.parse_args()
    models = Path(a.models)
    if not (models / "check.json").exists():
        subprocess.run([sys.executable, str(bar.MODELS), str(models)], check=True, stdout=subprocess.DEVNULL)
    check = json.loads((models / "check.json").read_text())
    body = json.dumps({"features": check["bench_row"]}, separators=(",", ":"))

    work = Path(tempfile.mkdtemp(prefix="monolith-ab-"))
    servers = []
    try:
        lua = work / "post.lua"
        lua.write_text(bar.WRK_LUA)
        registry = work / "registry" / "rf" / "1"
        registry.mkdir(parents=True)
        shutil.copy(models / "registries" / "rf" / "models" / "1" / "model.onnx", registry / "model.onnx")
        env = dict(os.environ, MONOLITH_LOG_LEVEL="warning", MONOLITH_DEFAULT_MODEL="rf")
        env.update(kv.split("=", 1) for kv in a.env)
        for i, build in enumerate(a.builds):
            port = bar.free_port()
            proc = bar.start([build, "serve", "--host", "127.0.0.1", "--port", str(port), "--registry", str(work / "registry"),
                              "--data", str(work / f"data{i}")], work / f"server{i}.log", env=env)
            servers.append((build, port, proc))
            bar.wait_ready(port, "/health/ready")
        for _, port, _ in servers:
            bar.wrk(port, body, 2, lua)
        results = {i: [] for i in range(len(servers))}
        for r in range(a.rounds):
            for i, (build, port, proc) in enumerate(servers):
                before = server_cpu_seconds(proc.pid)
                out = subprocess.run(["wrk", "-t2", "-c64", f"-d{a.duration}s", "-s", str(lua), f"http://127.0.0.1:{port}/predict"],
                                     env=dict(os.environ, BAR_BODY=body), capture_output=True, text=True,
                                     timeout=a.duration + 60).stdout
                cpu = server_cpu_seconds(proc.pid) - before
                rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
                count = int(re.search(r"(\d+) requests in", out).group(1))
                results[i].append((rps, cpu / count * 1e6))
                print(f"round {r + 1} {build}: {rps:9.0f} req/s {cpu / count * 1e6:6.2f} us CPU/request", flush=True)
        for i, (build, _, _) in enumerate(servers):
            rows = results[i]
            print(f"median {build}: {statistics.median(x[0] for x in rows):9.0f} req/s "
                  f"{statistics.median(x[1] for x in rows):6.2f} us CPU/request")
        return 0
    finally:
        for _, _, proc in reversed(servers):
            bar.stop(proc)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
