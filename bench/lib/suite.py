"""The benchmark suite: models -> start times -> answer checks -> wrk rounds -> in-process
timing -> image size -> results JSON -> docs/BENCHMARKS.md. Run through bench/run.

Every server listens on 127.0.0.1 and wrk targets 127.0.0.1 only. Every process started
here is stopped by PID on exit, on failure and on Ctrl-C (procs.stop_all).
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import procs
import systems as sysmod
import machine

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# The connection count every bar is read at (wrk -c64): --reps repetitions there, --curve-reps elsewhere.
BAR_CONNECTIONS = 64


def env_list(name, default):
    v = os.environ.get(name)
    return [x.strip() for x in v.split(",") if x.strip()] if v else default


def parse_args(argv):
    quick = "--quick" in argv or os.environ.get("BENCH_QUICK") == "1"
    d = {  # full mode: what issue 8 asks for
        "duration": 10, "reps": 3, "connections": "1,16,64,256", "start_reps": 5, "warmup": 2,
        "inproc_budget": 1.0, "health_connections": "64", "secondary_reps": 1, "curve_reps": 1,
    }
    if quick:
        d.update(duration=3, reps=1, connections="1,64", start_reps=2, warmup=1, inproc_budget=0.3, secondary_reps=1)
    p = argparse.ArgumentParser(prog="bench/run", description="Monolith benchmark suite (issue 8).")
    p.add_argument("--quick", action="store_true", help="short runs: 3 s, 1 repetition, 1 and 64 connections")
    p.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", d["duration"])), help="seconds per wrk run (BENCH_DURATION)")
    p.add_argument("--reps", type=int, default=int(os.environ.get("BENCH_REPS", d["reps"])), help="repetitions, median reported (BENCH_REPS)")
    p.add_argument("--connections", default=os.environ.get("BENCH_CONNECTIONS", d["connections"]), help="comma list (BENCH_CONNECTIONS)")
    p.add_argument("--secondary-reps", type=int, default=int(os.environ.get("BENCH_SECONDARY_REPS", d["secondary_reps"])),
                   help="repetitions for the secondary systems (the 1-worker variants), to keep the full run under 15 min")
    p.add_argument("--curve-reps", type=int, default=int(os.environ.get("BENCH_CURVE_REPS", d["curve_reps"])),
                   help=f"repetitions at connection counts other than the bars' {BAR_CONNECTIONS} (the scaling curve); "
                        "--reps applies at the bars' count (BENCH_CURVE_REPS)")
    p.add_argument("--health-connections", default=os.environ.get("BENCH_HEALTH_CONNECTIONS", d["health_connections"]),
                   help="GET /health load for nginx and monolith (issue 2 bar); empty to skip")
    p.add_argument("--start-reps", type=int, default=int(os.environ.get("BENCH_START_REPS", d["start_reps"])), help="starts per system for start->ready (BENCH_START_REPS)")
    p.add_argument("--warmup", type=int, default=int(os.environ.get("BENCH_WARMUP", d["warmup"])), help="seconds of warm-up load per system")
    p.add_argument("--systems", default=os.environ.get("BENCH_SYSTEMS", ",".join(sysmod.DEFAULT_SYSTEMS)),
                   help="comma list; known: " + ",".join(s.name for s in sysmod.all_systems()))
    p.add_argument("--model", default=os.environ.get("BENCH_MODEL", "rf"), choices=["rf", "mlp", "lr", "gb"], help="model behind /predict")
    p.add_argument("--inproc-budget", type=float, default=float(os.environ.get("BENCH_INPROC_BUDGET", d["inproc_budget"])), help="seconds per in-process case")
    p.add_argument("--soak", action="store_true", default=os.environ.get("BENCH_SOAK") == "1",
                   help="also 1,000 keep-alive connections for 30 s on GET /health (monolith, nginx): issue 2")
    p.add_argument("--skip-inproc", action="store_true", default=os.environ.get("BENCH_SKIP_INPROC") == "1")
    p.add_argument("--skip-load", action="store_true", default=os.environ.get("BENCH_SKIP_LOAD") == "1", help="no wrk runs")
    p.add_argument("--no-render", action="store_true", help="write the JSON only, no page")
    p.add_argument("--publish", action="store_true",
                   help="render into docs/BENCHMARKS.md even for a quick or partial run (a complete full run always does)")
    p.add_argument("--monolith-bin", default=os.environ.get("MONOLITH_BIN"))
    p.add_argument("--monolith-build-error", default=os.environ.get("BENCH_MONOLITH_BUILD_ERROR"))
    p.add_argument("--image", default=os.environ.get("BENCH_IMAGE", "monolith:latest"), help="Docker image whose size is reported")
    p.add_argument("--docker-build", action="store_true", default=os.environ.get("BENCH_DOCKER_BUILD") == "1",
                   help="build the image first (docker build --network host -t IMAGE .): minutes")
    p.add_argument("--prepare-only", action="store_true", help="(bench/run) make the models and stop")
    p.add_argument("--no-build", action="store_true", help="(bench/run) use the existing release binary")
    a = p.parse_args(argv)
    a.quick = quick
    a.connections = [int(c) for c in str(a.connections).split(",") if c.strip()]
    a.health_connections = [int(c) for c in str(a.health_connections).split(",") if c.strip()]
    return a


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---- models -----------------------------------------------------------------------------

def ensure_models(work_root: Path) -> Path:
    """Models are deterministic: rebuilt only when make_models.py or the versions change."""
    import sklearn, skl2onnx, onnxruntime
    stamp_src = (HERE / "make_models.py").read_bytes() + f"{sklearn.__version__}{skl2onnx.__version__}{onnxruntime.__version__}".encode()
    stamp = hashlib.sha256(stamp_src).hexdigest()[:16]
    out = work_root / f"models-{stamp}"
    if (out / "check.json").is_file():
        log(f"models: reusing {out.relative_to(ROOT)}")
        return out
    log("models: training and exporting (rf, gb, mlp, lr)")
    tmp = work_root / f"models-{stamp}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    subprocess.run([sys.executable, str(HERE / "make_models.py"), str(tmp)], check=True)
    tmp.rename(out)
    return out


# ---- answers ----------------------------------------------------------------------------

def first_number(pred):
    """One row's prediction: a number, [number], or {"label"/"prediction"/"value": ...}."""
    while isinstance(pred, list) and pred:
        pred = pred[0]
    if isinstance(pred, dict):
        for key in ("label", "prediction", "value", "predicted_label"):
            if key in pred:
                return first_number(pred[key])
    if isinstance(pred, bool):
        return float(pred)
    return float(pred) if isinstance(pred, (int, float)) else None


def check_answers(system, port, check, model, atol=1e-3, rtol=1e-5):
    """POSTs every check row; compares with scikit-learn's predict. Returns a dict with ok."""
    rows, expected = check["rows"], check["expected"][model]
    if "predict" not in system.workloads:
        status, _ = procs.request(port, "GET", "/health")
        return {"ok": status == 200, "rows": 0, "note": "no /predict: checked GET /health answers 200"}
    if not system.serves_model:
        status, body = procs.request(port, "POST", "/predict", json.dumps({"features": rows[0]}).encode())
        try:
            json.loads(body)
            ok = status == 200
        except ValueError:
            ok = False
        return {"ok": ok, "rows": 1, "note": "fixed body, no model: checked status 200 and JSON only"}
    worst, bad = 0.0, []
    for i, (row, want) in enumerate(zip(rows, expected)):
        status, body = procs.request(port, "POST", "/predict", json.dumps({"features": row}).encode(), timeout=10)
        if status != 200:
            return {"ok": False, "rows": i, "error": f"row {i}: HTTP {status}: {body[:300].decode('utf-8', 'replace')}"}
        try:
            doc = json.loads(body)
            got = first_number(doc["predictions"])
        except (ValueError, KeyError, TypeError) as e:
            return {"ok": False, "rows": i, "error": f"row {i}: unreadable answer ({e}): {body[:300]!r}"}
        if got is None:
            return {"ok": False, "rows": i, "error": f"row {i}: no number in predictions: {body[:300]!r}"}
        err = abs(got - want)
        worst = max(worst, err)
        if err > atol + rtol * abs(want):
            bad.append(f"row {i}: got {got!r}, scikit-learn {want!r}")
    res = {"ok": not bad, "rows": len(rows), "max_abs_err": worst, "tolerance": f"|d| <= {atol} + {rtol}*|expected|"}
    if bad:
        res["error"] = f"{len(bad)} of {len(rows)} rows differ from scikit-learn: " + "; ".join(bad[:3])
    return res


# ---- wrk --------------------------------------------------------------------------------

def run_wrk(port, path, conns, duration, method="POST", body=None, timeout_s=None):
    threads = max(1, min(2, conns))
    argv = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{duration}s", "--latency", "--timeout", "10s",
            "-s", str(HERE / "wrk_report.lua"), f"http://127.0.0.1:{port}{path}"]
    env = dict(os.environ, BENCH_METHOD=method, BENCH_BODY=body or "")
    code, stdout, stderr = procs.run_captured(argv, env, timeout_s or duration + 60)
    m = [ln for ln in stdout.splitlines() if ln.startswith("BENCH_JSON ")]
    if code != 0 or not m:
        raise RuntimeError(f"wrk failed (exit {code}): {(stderr or stdout)[-300:]}")
    d = json.loads(m[-1][len("BENCH_JSON "):])
    secs = d["duration_us"] / 1e6
    e = d["errors"]
    lat = d["latency_us"]
    return {
        "rps": round(d["requests"] / secs, 1) if secs else 0.0,
        "requests": d["requests"],
        "p50_ms": lat["p50"] / 1000, "p99_ms": lat["p99"] / 1000, "p999_ms": lat["p999"] / 1000,
        "mean_ms": round(lat["mean"] / 1000, 3), "max_ms": lat["max"] / 1000,
        "errors_non2xx": e["status"], "errors_socket": e["connect"] + e["read"] + e["write"] + e["timeout"],
        "errors": e, "threads": threads,
    }


def measure(sysname, proc, port, path, conns, duration, method, body):
    with procs.Sampler(proc.pid) as s:
        res = run_wrk(port, path, conns, duration, method, body)
    res.update(s.summary())
    res["cpu_s_per_1k_req"] = round(1000 * res["cpu_s"] / res["requests"], 4) if res["requests"] else None
    # Share of the machine's CPU used by other processes during this run (0 = quiet machine).
    total = res.get("machine_cpu_total_s") or duration * (os.cpu_count() or 1)
    res["foreign_cpu_share"] = round(res["foreign_cpu_s"] / total, 3) if total else None
    res["loadavg_1m"] = round(os.getloadavg()[0], 2)
    return res


def soak(p, port, conns, duration):
    """Issue 2: many keep-alive connections on GET /health; RSS over time and open fds after."""
    fds_idle = procs.fd_count(procs.session_pids(p.pid))
    with procs.Sampler(p.pid) as s:
        r = run_wrk(port, "/health", conns, duration, "GET", None, timeout_s=duration + 120)
    time.sleep(2.0)   # let the server notice the closed connections
    fds_after = procs.fd_count(procs.session_pids(p.pid))
    tenth = max(1, len(s.rss) // 10)
    r.update({"connections": conns, "duration_s": duration, "fds_idle_before": fds_idle, "fds_after": fds_after,
              "rss_first_tenth_kib": int(statistics.median(s.rss[:tenth])) if s.rss else None,
              "rss_last_tenth_kib": int(statistics.median(s.rss[-tenth:])) if s.rss else None,
              "rss_peak_kib": max(s.rss) if s.rss else None})
    return r


def median_of(runs):
    if not runs:
        return None
    keys = ["rps", "p50_ms", "p99_ms", "p999_ms", "mean_ms", "rss_peak_kib", "rss_median_kib", "pss_peak_kib", "cpu_s",
            "cpu_s_per_1k_req", "client_cpu_s", "foreign_cpu_share"]
    out = {}
    for k in keys:
        vals = [r[k] for r in runs if r.get(k) is not None]
        out[k] = round(statistics.median(vals), 3) if vals else None
    out["errors_non2xx"] = sum(r["errors_non2xx"] for r in runs)
    out["errors_socket"] = sum(r["errors_socket"] for r in runs)
    out["reps"] = len(runs)
    return out


# ---- start -> ready -----------------------------------------------------------------------

def start_once(system, ctx, run_dir, tag, make=None):
    port = procs.free_port()
    start_dir = run_dir / system.name / tag
    start_dir.mkdir(parents=True, exist_ok=True)
    argv, env = (make or system.make)(ctx, port, start_dir)
    logf = start_dir / "server.log"
    t0 = time.monotonic()
    p = procs.spawn(argv, logf, env=env)
    try:
        ms = procs.wait_ready(p, port, system.ready_path, t0, system.ready_timeout)
    except Exception as e:
        procs.stop(p, grace=3)
        raise RuntimeError(f"{e}; log: {procs.tail(logf, 600).strip()}") from None
    return p, port, ms, logf


def measure_starts(system, ctx, run_dir, n, make=None, prime=False, tag="start"):
    """n starts: ms to first 200 on the ready route, idle RSS 1 s later, SIGTERM exit code.
    prime: one unmeasured start first (for restarts on an already filled data folder)."""
    if prime:
        p, *_ = start_once(system, ctx, run_dir, f"{tag}-prime", make)
        procs.stop(p, grace=15)
    ready, idle, stops = [], [], []
    i = 0
    while i < n:
        p, port, ms, _ = start_once(system, ctx, run_dir, f"{tag}{i}", make)
        time.sleep(1.0)
        pids = procs.session_pids(p.pid)
        idle.append(procs.rss_kib(pids))
        t = time.monotonic()
        code = procs.stop(p, grace=15)
        stops.append({"exit_code": code, "ms": round((time.monotonic() - t) * 1000, 1)})
        ready.append(round(ms, 2))
        i += 1
        if i == 1 and ms > 1000:
            n = min(n, 3)   # a slow starter (seconds): 3 starts are enough for its median
    return {"ready_ms_median": round(statistics.median(ready), 2), "ready_ms_all": ready, "ready_path": system.ready_path,
            "idle_rss_kib_median": int(statistics.median(idle)), "idle_rss_kib_all": idle,
            "processes": len(pids), "sigterm": stops}


# ---- bars -------------------------------------------------------------------------------

def ratio(a, b):
    return round(a / b, 3) if a is not None and b not in (None, 0) else None


def bar(id_, issue, what, value, target, ok):
    """ok=None marks an informative figure (no pass/fail)."""
    return {"id": id_, "issue": issue, "what": what, "value": value, "target": target,
            "pass": (bool(ok) if value is not None and ok is not None else None)}


def compute_bars(res):
    S = res["systems"]

    def load(name, wl, c):
        try:
            return S[name]["load"][wl][str(c)]["median"]
        except (KeyError, TypeError):
            return None

    bars = []
    mh, nh = load("monolith", "health", 64) or load("monolith-http", "health", 64), load("nginx", "health", 64)
    r = ratio(mh and mh["rps"], nh and nh["rps"])
    bars.append(bar("http-health-rps", 2, "GET /health c64: monolith / nginx requests/s", r, ">= 0.9", r is not None and r >= 0.9))
    r = ratio(mh and mh["p99_ms"], nh and nh["p99_ms"])
    bars.append(bar("http-health-p99", 2, "GET /health c64: monolith / nginx p99", r, "<= 1.5", r is not None and r <= 1.5))
    sk = S.get("monolith", {}).get("soak") or S.get("monolith-http", {}).get("soak")
    if sk and "rps" in sk:
        errs = sk["errors_non2xx"] + sk["errors_socket"]
        bars.append(bar("http-soak-errors", 2, "1,000 keep-alive connections 30 s: errors", errs, "0", errs == 0))
        growth = round(sk["rss_last_tenth_kib"] / sk["rss_first_tenth_kib"], 3) if sk.get("rss_first_tenth_kib") else None
        bars.append(bar("http-soak-rss", 2, "1,000 connections: RSS last tenth / first tenth of the run", growth, "~1 (flat)", None))
        bars.append(bar("http-soak-fds", 2, "1,000 connections: open fds after / idle before", f"{sk['fds_after']} / {sk['fds_idle_before']}",
                        "equal", sk["fds_after"] <= sk["fds_idle_before"]))
    mp, npx = load("monolith", "predict", 64), load("nginx", "predict", 64)
    r = ratio(mp and mp["rps"], npx and npx["rps"])
    bars.append(bar("predict-rps-vs-nginx", 5, "POST /predict c64: monolith / nginx (fixed body) requests/s", r, ">= 0.7", r is not None and r >= 0.7))
    r = ratio(mp and mp["p99_ms"], npx and npx["p99_ms"])
    bars.append(bar("predict-p99-vs-nginx", 5, "POST /predict c64: monolith / nginx p99", r, "<= 1.5", r is not None and r <= 1.5))
    rss = mp and mp["rss_peak_kib"] and round(mp["rss_peak_kib"] / 1024, 1)
    bars.append(bar("predict-rss", 5, "POST /predict c64: monolith peak RSS (MiB)", rss, "<= 30", rss is not None and rss <= 30))
    for peer, approx in (("seed-joblib-2w", "~200"), ("fastapi-ort-2w", "~14")):
        pp = load(peer, "predict", 64)
        r = ratio(mp and mp["rps"], pp and pp["rps"])
        bars.append(bar(f"predict-vs-{peer}", 5, f"POST /predict c64: monolith / {peer} requests/s", r, f"{approx} (informative)", None))
    st = S.get("monolith", {}).get("start")
    ex = (S.get("monolith", {}).get("start_variants") or {}).get("example")
    v = ex and ex.get("ready_ms_median")
    bars.append(bar("start-ready", 4, "process start -> 200 on /health/ready, example registry, fresh data (ms)", v, "<= 20", v is not None and v <= 20))
    v = st and st["ready_ms_median"]
    bars.append(bar("start-ready-rf", 4, "process start -> 200 on /health/ready, RandomForest registry (5.8 MB ONNX), fresh data (ms)", v, "informative", None))
    idle = st and round(st["idle_rss_kib_median"] / 1024, 1)
    # Issue 7's idle-RSS bar is the container's (example registry, below); this is the bench's
    # RandomForest (5.8 MB ONNX) outside a container: informative.
    bars.append(bar("idle-rss", 7, "process: idle RSS after start, RandomForest registry (MiB)", idle, "informative", None))
    d = res.get("docker", {})
    size = d.get("size_mb")
    bars.append(bar("image-size", 7, f"image size {d.get('image', '')} (MB)", size, "<= 25", size is not None and size <= 25))
    v = d.get("start_ready_ms_median")
    bars.append(bar("container-start", 7, "container: docker run -> 200 on /health/ready (ms)", v, "<= 1000", v is not None and v <= 1000))
    v = d.get("idle_rss_kib_median") and round(d["idle_rss_kib_median"] / 1024, 1)
    bars.append(bar("container-idle-rss", 7, "container: idle RSS (MiB)", v, "<= 20", v is not None and v <= 20))
    codes = d.get("stop_exit_codes")
    bars.append(bar("container-stop", 7, "container: docker stop exit codes", codes, "all 0", codes is not None and all(c == 0 for c in codes)))
    ip = res.get("inprocess") or {}
    sp = ip.get("speedup_vs_onnxruntime") or {}
    for model in ("rf", "gb", "lr", "mlp"):
        for batch in ("1", "1000"):
            v = (sp.get(model) or {}).get(batch)
            need = 1.0 if batch == "1" else (0.5 if model == "mlp" else 1.0)
            cmp_ = ">" if batch == "1" else ">="
            ok = v is not None and (v > need if batch == "1" else v >= need)
            bars.append(bar(f"inproc-{model}-b{batch}", 3, f"in-process {model} batch {batch}: onnxruntime time / ModelKit time",
                            v, f"{cmp_} {need}", ok))
    return bars


# ---- main -------------------------------------------------------------------------------

def main(argv):
    a = parse_args(argv)
    procs.install_signal_handlers()
    if a.prepare_only:
        ensure_models(ROOT / "bench" / "results" / "tmp")
        return
    started = datetime.datetime.now(datetime.timezone.utc)
    stamp = started.strftime("%Y%m%d-%H%M%S")
    work_root = ROOT / "bench" / "results" / "tmp"
    run_dir = work_root / f"run-{stamp}"
    run_dir.mkdir(parents=True, exist_ok=True)
    for old in sorted(work_root.glob("run-*"))[:-3]:   # scratch of older runs: keep the last 3
        shutil.rmtree(old, ignore_errors=True)
    t_start = time.monotonic()

    known = {s.name: s for s in sysmod.all_systems()}
    wanted = [n for n in a.systems.split(",") if n]
    unknown = [n for n in wanted if n not in known]
    if unknown:
        sys.exit(f"unknown system(s): {', '.join(unknown)}; known: {', '.join(known)}")
    chosen = [known[n] for n in wanted]

    models_dir = ensure_models(work_root)
    check = json.loads((models_dir / "check.json").read_text())
    bench_row = check["bench_row"]
    body = json.dumps({"features": bench_row}, separators=(",", ":"))
    fixed = json.dumps({"predictions": [round(check["onnxruntime"][a.model][0], 6)], "model": a.model, "model_version": "1"}, separators=(",", ":"))
    mono = Path(a.monolith_bin) if a.monolith_bin else ROOT / ".build" / "release" / "monolith"
    ctx = sysmod.Context(root=ROOT, work=run_dir, python=Path(sys.executable), registry=models_dir / "registries" / a.model,
                         model=a.model, fixed_body=fixed, monolith_bin=mono if mono.is_file() else None,
                         monolith_build_error=a.monolith_build_error, log_level=os.environ.get("BENCH_MONOLITH_LOG_LEVEL", "error"))

    res = {"schema": 1, "started": started.isoformat(timespec="seconds"), "mode": "quick" if a.quick else "full",
           "config": {"duration_s": a.duration, "reps": a.reps, "connections": a.connections,
                      "health_connections": a.health_connections, "secondary_reps": a.secondary_reps, "curve_reps": a.curve_reps, "start_reps": a.start_reps, "warmup_s": a.warmup,
                      "model": a.model, "request_body": body, "systems": wanted, "wrk_threads": "min(2, connections)"},
           "machine": machine.describe(ROOT, ctx.monolith_bin), "systems": {}}
    curve = [c for c in a.connections if c != BAR_CONNECTIONS]
    est = sum((min(a.secondary_reps, a.reps) if s.secondary else a.reps) * (BAR_CONNECTIONS in a.connections)
              + (min(a.secondary_reps, a.curve_reps) if s.secondary else a.curve_reps) * len(curve) for s in chosen) * a.duration \
        + 2 * len(a.health_connections) * a.reps * a.duration
    log(f"run {stamp}: {len(chosen)} systems, wrk {a.duration}s x {a.reps} reps at {a.connections} connections (~{est // 60} min of load)")

    running = {}
    marks = {}
    try:
        # 1. availability and start -> ready (each system alone on the machine).
        for s in chosen:
            entry = res["systems"][s.name] = {"label": s.label, "group": s.group, "notes": s.notes, "serves_model": s.serves_model}
            why = s.availability(ctx)
            if why:
                entry.update(available=False, reason=why)
                log(f"{s.name}: unavailable: {why}")
                continue
            try:
                entry["start"] = measure_starts(s, ctx, run_dir, a.start_reps)
                entry["available"] = True
                log(f"{s.name}: start->ready median {entry['start']['ready_ms_median']} ms, idle RSS {entry['start']['idle_rss_kib_median'] // 1024} MiB")
                for key, (label, make, prime) in s.start_variants(ctx).items():
                    try:
                        v = measure_starts(s, ctx, run_dir, a.start_reps, make=make, prime=prime, tag=key)
                        v["label"] = label
                    except Exception as e:
                        v = {"label": label, "error": str(e)}
                    entry.setdefault("start_variants", {})[key] = v
                    log(f"{s.name}: {label}: " + (f"start->ready median {v['ready_ms_median']} ms, idle RSS {v['idle_rss_kib_median'] // 1024} MiB" if "error" not in v else v["error"]))
            except Exception as e:
                entry.update(available=False, reason=f"could not start: {e}")
                log(f"{s.name}: unavailable: {e}")

        marks["starts"] = time.monotonic()
        # 2. start every available system once more for the load runs; check answers first.
        for s in chosen:
            entry = res["systems"][s.name]
            if not entry.get("available"):
                continue
            try:
                p, port, _, logf = start_once(s, ctx, run_dir, "load")
            except Exception as e:
                entry.update(available=False, reason=f"could not start: {e}")
                continue
            try:
                entry["check"] = check_answers(s, port, check, a.model)
            except Exception as e:
                entry["check"] = {"ok": False, "error": f"check failed: {e}"}
            if not entry["check"]["ok"]:
                log(f"{s.name}: ANSWER CHECK FAILED, not timed: {entry['check'].get('error')}")
                entry["reason"] = "answers differ from scikit-learn: " + str(entry["check"].get("error"))
                procs.stop(p)
                continue
            log(f"{s.name}: " + (entry["check"].get("note") or f"answers match scikit-learn ({entry['check']['rows']} rows)") + f", port {port}")
            running[s.name] = (s, p, port, logf)
            entry["load"] = {"predict": {}, "health": {}}

        if not a.skip_load and running:
            for name, (s, p, port, _) in running.items():
                if a.warmup > 0:
                    if "predict" in s.workloads:
                        run_wrk(port, "/predict", 16, a.warmup, "POST", body)
                    else:
                        run_wrk(port, "/health", 16, a.warmup, "GET", None)
            # 3. rounds: every repetition visits every system, so slow drift of a shared
            # machine spreads over all systems instead of favouring one.
            raw = {n: {"predict": {}, "health": {}} for n in running}
            for rep in range(a.reps):
                for c in a.connections:
                    for name, (s, p, port, logf) in running.items():
                        if (s.secondary and rep >= a.secondary_reps) or "predict" not in s.workloads:
                            continue
                        if c != BAR_CONNECTIONS and rep >= a.curve_reps:
                            continue
                        try:
                            r = measure(name, p, port, "/predict", c, a.duration, "POST", body)
                        except Exception as e:
                            r = {"error": str(e)}
                        if p.poll() is not None:
                            r["error"] = f"server exited ({p.returncode}); log: {procs.tail(logf, 400)}"
                        raw[name]["predict"].setdefault(str(c), []).append(r)
                        log(f"rep {rep + 1}/{a.reps} c={c:<3} {name:<16} " + (f"{r['rps']:>9.1f} req/s p99 {r['p99_ms']:.2f} ms rss {r['rss_peak_kib'] // 1024} MiB"
                                                                              if "rps" in r else f"ERROR {r['error']}"))
                for c in a.health_connections:
                    for name, (s, p, port, logf) in running.items():
                        if "health" not in s.workloads:
                            continue
                        try:
                            r = measure(name, p, port, "/health", c, a.duration, "GET", None)
                        except Exception as e:
                            r = {"error": str(e)}
                        raw[name]["health"].setdefault(str(c), []).append(r)
                        log(f"rep {rep + 1}/{a.reps} GET /health c={c} {name}: " + (f"{r['rps']:.1f} req/s p99 {r['p99_ms']:.2f} ms" if "rps" in r else f"ERROR {r['error']}"))
            for name, wls in raw.items():
                for wl, by_c in wls.items():
                    for c, runs in by_c.items():
                        ok = [r for r in runs if "rps" in r]
                        res["systems"][name]["load"][wl][c] = {"runs": runs, "median": median_of(ok)}
        if a.soak:
            for name in ("monolith", "monolith-http", "nginx"):
                if name in running:
                    s, p, port, _ = running[name]
                    log(f"soak: {name} GET /health, 1000 connections, 30 s")
                    try:
                        res["systems"][name]["soak"] = soak(p, port, 1000, 30)
                    except Exception as e:
                        res["systems"][name]["soak"] = {"error": str(e)}
        for name, (s, p, port, _) in list(running.items()):
            res["systems"][name]["load_stop_exit_code"] = procs.stop(p, grace=15)
            del running[name]

        marks["load"] = time.monotonic()
        # 4. in-process inference.
        if not a.skip_inproc:
            log("in-process: onnxruntime vs ModelKit, 1 thread, batch 1 and 1000")
            import inproc
            res["inprocess"] = inproc.run(ROOT, models_dir, ctx.monolith_bin, a.inproc_budget, run_dir / "modelkit.log")

        marks["inproc"] = time.monotonic()
        # 5. the container: image size, start -> ready, idle RSS, docker stop.
        import dockerbench
        log(f"docker: image {a.image}")
        if os.environ.get("BENCH_DOCKER_BUILD_ERROR"):
            # bench/run built the image before the timings and the build failed: an older
            # image under that tag would not be this checkout's.
            res["docker"] = {"available": False, "reason": os.environ["BENCH_DOCKER_BUILD_ERROR"]}
        else:
            res["docker"] = dockerbench.measure(ROOT, a.image, a.docker_build, min(a.start_reps, 3), run_dir / "docker-build.log")
        if res["docker"].get("reason"):
            log(f"docker: {res['docker']['reason']}")
    except KeyboardInterrupt as e:
        log(f"interrupted ({e}): stopping every started process")
        procs.stop_all()
        raise SystemExit(130)
    finally:
        procs.stop_all()

    res["elapsed_s"] = round(time.monotonic() - t_start, 1)
    prep = os.environ.get("BENCH_PREPARE_S")
    res["phases_s"] = {"venv": int(os.environ.get("BENCH_VENV_S") or 0) or None,
                       "build_venv_models": int(prep) if prep else None, "suite": res["elapsed_s"]}
    prev = t_start
    for k in ("starts", "load", "inproc"):
        if k in marks:
            res["phases_s"][k] = round(marks[k] - prev, 1)
            prev = marks[k]
    res["total_s"] = res["elapsed_s"] + (int(prep) if prep else 0)
    res["finished"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    res["bars"] = compute_bars(res)
    out = ROOT / "bench" / "results" / f"{stamp}{'-quick' if a.quick else ''}.json"
    out.write_text(json.dumps(res, indent=1) + "\n")
    log(f"results: {out.relative_to(ROOT)} ({res['elapsed_s']} s)")
    if not a.no_render:
        import render
        # Only a complete full run replaces the published page; quick or partial runs get
        # theirs under bench/results/tmp/page/.
        publish = a.publish or (not a.quick and not a.skip_load and not a.skip_inproc
                                and wanted == sysmod.DEFAULT_SYSTEMS)
        md = render.render(out, ROOT, None if publish else work_root / "page" / "BENCHMARKS.md")
        log(f"rendered {md.relative_to(ROOT)} and its plots")
    for b in res["bars"]:
        mark = {True: "PASS", False: "FAIL", None: "n/a "}[b["pass"]]
        log(f"  [{mark}] issue {b['issue']}: {b['what']}: {b['value']} (target {b['target']})")


if __name__ == "__main__":
    main(sys.argv[1:])
