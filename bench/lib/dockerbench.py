"""The container figures (issue 7): image size, container start -> first 200 on
/health/ready, idle RSS, `docker stop` exit code. Skipped cleanly when no engine is up.

The image is the one the Dockerfile builds (`--image`, default monolith:latest): bench/run
builds it from this checkout while it builds the release binary, before any timing, whenever
an engine is up (BENCH_NO_DOCKER=1 skips that); `--docker-build` makes the suite build it
itself at this step instead. The container runs with `--network host`
(this machine's engine has no bridge) and MONOLITH_HOST=127.0.0.1 so it listens on
loopback only; it is stopped and removed by its id whatever happens.
"""

import os
import statistics
import subprocess
import time

import procs


def _docker(args, timeout=60):
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)


def engine_version():
    try:
        r = _docker(["info", "--format", "{{.ServerVersion}}"], timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return r.stdout.strip() if r.returncode == 0 and r.stdout.strip() else None


def build(root, image, log_path):
    with open(log_path, "w") as log:
        t = time.monotonic()
        r = subprocess.run(["docker", "build", "--network", "host", "-t", image, str(root)], stdout=log,
                           stderr=subprocess.STDOUT, timeout=3600)
    return r.returncode == 0, round(time.monotonic() - t, 1)


def start_once(image):
    """docker run -> first 200 on /health/ready; returns (ms, idle RSS KiB, stop exit code, stop ms)."""
    port = procs.free_port()
    t0 = time.monotonic()
    label = f"monolith.bench={os.environ.get('BENCH_RUN_ID', 'manual')}"   # bench/run's exit trap removes by it
    r = _docker(["run", "-d", "--label", label, "--network", "host", "--read-only", "--cap-drop", "ALL",
                 "-e", f"PORT={port}", "-e", "MONOLITH_HOST=127.0.0.1", "--tmpfs", "/tmp", image])
    if r.returncode != 0:
        raise RuntimeError(f"docker run failed: {r.stderr.strip()[-300:]}")
    cid = r.stdout.strip()
    try:
        deadline = t0 + 30
        ms = None
        while time.monotonic() < deadline:
            try:
                status, _ = procs.request(port, "GET", "/health/ready", timeout=1.0)
                if status == 200:
                    ms = (time.monotonic() - t0) * 1000
                    break
            except OSError:
                pass
            except Exception:
                pass
            time.sleep(0.005)
        if ms is None:
            logs = _docker(["logs", "--tail", "20", cid]).stdout
            raise RuntimeError(f"container not ready within 30 s: {logs[-300:]}")
        time.sleep(1.0)
        pid = _docker(["inspect", "-f", "{{.State.Pid}}", cid]).stdout.strip()
        rss = procs.rss_kib(procs.session_pids(int(pid))) if pid.isdigit() and pid != "0" else None
        if not rss and pid.isdigit():
            rss = procs.rss_kib([int(pid)])
        t = time.monotonic()
        _docker(["stop", "-t", "15", cid], timeout=60)
        stop_ms = round((time.monotonic() - t) * 1000, 1)
        code = _docker(["inspect", "-f", "{{.State.ExitCode}}", cid]).stdout.strip()
        return round(ms, 1), rss, int(code) if code.lstrip("-").isdigit() else None, stop_ms
    finally:
        _docker(["rm", "-f", cid], timeout=60)


def measure(root, image, do_build, starts, log_path):
    version = engine_version()
    if version is None:
        return {"available": False, "image": image, "reason": "no Docker engine running (../shared/tools/docker-up starts one)"}
    out = {"available": True, "server_version": version, "image": image}
    if do_build:
        ok, secs = build(root, image, log_path)
        out["build_s"] = secs
        if not ok:
            out["reason"] = f"docker build failed, see {log_path}"
            return out
    r = _docker(["image", "inspect", image, "--format", "{{.Size}}"], timeout=30)
    if r.returncode != 0:
        out["image_found"] = False
        out["reason"] = f"image {image} not built (bench/run --docker-build, or docker build --network host -t {image} .)"
        return out
    out["image_found"] = True
    out["size_bytes"] = int(r.stdout.strip())
    out["size_mb"] = round(out["size_bytes"] / 1e6, 2)
    runs = []
    try:
        for _ in range(starts):
            runs.append(start_once(image))
    except Exception as e:
        out["start_error"] = str(e)
    if runs:
        out["start_ready_ms_median"] = statistics.median(r[0] for r in runs)
        out["start_ready_ms_all"] = [r[0] for r in runs]
        rss = [r[1] for r in runs if r[1]]
        out["idle_rss_kib_median"] = int(statistics.median(rss)) if rss else None
        out["stop_exit_codes"] = [r[2] for r in runs]
        out["stop_ms_all"] = [r[3] for r in runs]
    return out
