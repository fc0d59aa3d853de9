"""In-process inference time: onnxruntime's Python InferenceSession against ModelKit.

Same ONNX files, same float32 input values, one thread each (onnxruntime:
intra_op_num_threads=1, inter_op_num_threads=1, sequential execution, so it computes on
the calling thread). Batch 1 and batch 1000.

Method, identical on both sides (`monolith infer --time` implements it): warm up
for 0.2 s, size a round to budget/5, run 5 rounds and take the median round's time per call,
in the calling thread's CPU time (robust to other processes on a shared machine). The
wall-clock median per call of onnxruntime is recorded too.

Input values: the ModelKit tool's deterministic generator (a 64-bit LCG mapped to [-2, 2),
reproduced bit for bit by `lcg_values`), so both sides run on exactly the same tensor.

ModelKit is timed by the tool under bench/modelkit/, in one of two shapes (see bench/README.md):
  * `bench/modelkit/run --model F --input V2.json --threads 1 --budget S` printing JSON
    (`median_us`, `calls`, optional `outputs`, which are then checked against onnxruntime);
    it runs the suite's release binary, `monolith infer --model F --input V2.json --time S`;
  * the Swift package `bench/modelkit` with the executable `modelkit-bench MODEL BATCHES SECONDS`
    printing `batch=N calls=K us_per_call=X` lines (when built by hand; BENCH_MODELKIT_TOOL).
"""

import json
import os
import re
import statistics
import subprocess
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

MODELS = ["rf", "gb", "lr", "mlp"]
BATCHES = [1, 1000]
N_FEATURES = 8
REFERENCE: dict = {}


def lcg_values(count: int) -> np.ndarray:
    """modelkit-bench's inputs: state = state*6364136223846793005 + 1442695040888963407 (mod 2^64),
    value = Float(state >> 40) / 2^24 * 4 - 2, in float32."""
    state = 0x9E3779B97F4A7C15
    out = np.empty(count, dtype=np.float32)
    mask = (1 << 64) - 1
    scale, four, two = np.float32(1 << 24), np.float32(4), np.float32(2)
    for i in range(count):
        state = (state * 6364136223846793005 + 1442695040888963407) & mask
        out[i] = np.float32(np.float32(state >> 40) / scale) * four - two
    return out


def batch_input(batch: int) -> np.ndarray:
    return lcg_values(batch * N_FEATURES).reshape(batch, N_FEATURES)


def cpu_rounds(fn, budget_s: float) -> dict:
    """Warm-up 0.2 s, 5 rounds of budget/5 each; median round's thread-CPU µs per call."""
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < 0.2:
        fn()
        calls += 1
    per_round = max(1, int(calls * budget_s / 5 / 0.2))
    rounds, wall = [], []
    for _ in range(5):
        t, w = time.thread_time(), time.perf_counter()
        for _ in range(per_round):
            fn()
        rounds.append((time.thread_time() - t) / per_round * 1e6)
        wall.append((time.perf_counter() - w) / per_round * 1e6)
    return {"median_us": round(sorted(rounds)[2], 3), "wall_us": round(sorted(wall)[2], 3),
            "calls": per_round * 5, "rounds_us": [round(r, 3) for r in rounds]}


def onnxruntime_times(models_dir: Path, budget_s: float) -> dict:
    out = {}
    for name in MODELS:
        path = models_dir / "registries" / name / "models" / "1" / "model.onnx"
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        inp = sess.get_inputs()[0].name
        out[name] = {}
        for batch in BATCHES:
            x = batch_input(batch)
            feeds = {inp: x}
            out[name][str(batch)] = cpu_rounds(lambda: sess.run(None, feeds), budget_s)
            REFERENCE[(name, batch)] = np.ravel(sess.run(None, feeds)[0]).astype(np.float64)
    return out


def check_output(name: str, batch: int, result: dict) -> str | None:
    """If the tool printed its first output (`outputs[0].data` as in V2), it must match onnxruntime."""
    outs = result.get("outputs")
    if not outs:
        return None
    try:
        got = np.ravel(np.asarray(outs[0]["data"], dtype=np.float64))
    except (KeyError, TypeError, ValueError, IndexError):
        return "unreadable outputs"
    want = REFERENCE.get((name, batch))
    if want is None:
        return None
    if got.shape != want.shape:
        return f"output has {got.size} values, onnxruntime {want.size}"
    bad = np.abs(got - want) > 1e-3 + 1e-5 * np.abs(want)
    if bad.any():
        i = int(np.argmax(bad))
        return f"{int(bad.sum())} values differ from onnxruntime (first at {i}: {float(got[i])!r} vs {float(want[i])!r})"
    return None


def find_tool(root: Path):
    """("json", path) for an executable bench/modelkit/run (or BENCH_MODELKIT_TOOL);
    ("lines", path) for a built modelkit-bench; None when neither exists."""
    override = os.environ.get("BENCH_MODELKIT_TOOL")
    if override:
        p = Path(override)
        kind = "lines" if p.name == "modelkit-bench" else "json"
        return (kind, p) if p.is_file() and os.access(p, os.X_OK) else None
    p = root / "bench" / "modelkit" / "run"
    if p.is_file() and os.access(p, os.X_OK):
        return ("json", p)
    for build in ("release", "x86_64-unknown-linux-gnu/release", "aarch64-unknown-linux-gnu/release"):
        p = root / "bench" / "modelkit" / ".build" / build / "modelkit-bench"
        if p.is_file() and os.access(p, os.X_OK):
            return ("lines", p)
    return None


def _why(r) -> str:
    """The most telling line of a failed tool run (its error message, not a backtrace)."""
    lines = [ln.strip() for ln in (r.stderr + "\n" + r.stdout).splitlines() if ln.strip()]
    for ln in lines:
        if "error" in ln.lower():
            return ln[-240:]
    return (lines[-1][-240:] if lines else f"exit {r.returncode}")


def _run(argv, budget_s, log, env):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120 + budget_s * 8, env=env)
    with open(log, "a") as f:
        f.write(f"$ {' '.join(argv)}\n{r.stdout}\n{r.stderr}\n")
    return r


def modelkit_times(root: Path, models_dir: Path, monolith_bin: Path | None, budget_s: float, log: Path) -> dict:
    if os.environ.get("BENCH_MODELKIT_BUILD_ERROR") and not os.environ.get("BENCH_MODELKIT_TOOL"):
        return {"available": False, "reason": "bench/modelkit did not build: " + os.environ["BENCH_MODELKIT_BUILD_ERROR"]}
    found = find_tool(root)
    if found is None:
        why = "no ModelKit timing tool on this checkout (bench/modelkit/run, or the bench/modelkit package built)"
        if (root / "bench" / "modelkit" / "Package.swift").is_file():
            why = "bench/modelkit did not build (see bench/results/tmp/modelkit-build.log)"
        return {"available": False, "reason": why}
    kind, tool = found
    env = dict(os.environ)
    if monolith_bin is not None:
        env["MONOLITH_BIN"] = str(monolith_bin)
    times: dict = {}
    inputs = {}
    for batch in BATCHES:
        p = models_dir / f"v2_lcg_batch{batch}.json"
        p.write_text(json.dumps({"inputs": [{"name": "input", "shape": [batch, N_FEATURES], "datatype": "FP32",
                                             "data": [float(v) for v in batch_input(batch).ravel()]}]}))
        inputs[batch] = p
    for name in MODELS:
        path = models_dir / "registries" / name / "models" / "1" / "model.onnx"
        times[name] = {}
        if kind == "lines":
            try:
                r = _run([str(tool), str(path), ",".join(map(str, BATCHES)), str(budget_s)], budget_s, log, env)
            except subprocess.TimeoutExpired:
                times[name] = {str(b): {"error": "timed out"} for b in BATCHES}
                continue
            found_lines = {}
            for line in r.stdout.splitlines():
                m = re.search(r"batch=(\d+)\s+calls=(\d+)\s+us_per_call=([0-9.eE+-]+)", line)
                if m:
                    found_lines[m.group(1)] = {"median_us": float(m.group(3)), "calls": int(m.group(2)), "output_checked": False}
            for b in BATCHES:
                times[name][str(b)] = found_lines.get(str(b)) or {"error": _why(r)}
            continue
        for batch in BATCHES:
            argv = [str(tool), "--model", str(path), "--input", str(inputs[batch]), "--threads", "1", "--budget", str(budget_s)]
            try:
                r = _run(argv, budget_s, log, env)
            except subprocess.TimeoutExpired:
                times[name][str(batch)] = {"error": "timed out"}
                continue
            if r.returncode != 0:
                times[name][str(batch)] = {"error": _why(r)}
                continue
            try:
                line = [ln for ln in r.stdout.splitlines() if ln.strip().startswith("{")][-1]
                result = json.loads(line)
            except (IndexError, json.JSONDecodeError):
                times[name][str(batch)] = {"error": f"unreadable output: {r.stdout[-200:]!r}"}
                continue
            mismatch = check_output(name, batch, result)
            entry = {k: v for k, v in result.items() if k != "outputs"}
            entry["output_checked"] = "outputs" in result and mismatch is None
            if mismatch:
                entry = {"error": f"answers differ: {mismatch}"}
            times[name][str(batch)] = entry
    try:
        shown = str(tool.relative_to(root))
    except ValueError:
        shown = str(tool)
    return {"available": True, "tool": shown, "kind": kind, "times": times}


def run(root: Path, models_dir: Path, monolith_bin: Path | None, budget_s: float, log: Path) -> dict:
    result = {"threads": 1, "batches": BATCHES, "models": MODELS, "budget_s": budget_s,
              "method": "thread CPU time per call, median of 5 rounds after 0.2 s warm-up; same LCG inputs on both sides",
              "onnxruntime": onnxruntime_times(models_dir, budget_s),
              "modelkit": modelkit_times(root, models_dir, monolith_bin, budget_s, log)}
    ratios = {}
    mk = result["modelkit"].get("times", {})
    for name in MODELS:
        for batch in BATCHES:
            o = result["onnxruntime"][name][str(batch)]["median_us"]
            m = mk.get(name, {}).get(str(batch), {}).get("median_us")
            ratios.setdefault(name, {})[str(batch)] = round(o / m, 3) if m else None
    result["speedup_vs_onnxruntime"] = ratios   # > 1: ModelKit faster
    return result
