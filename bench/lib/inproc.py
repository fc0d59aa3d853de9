"""In-process inference time: onnxruntime's Python InferenceSession against ModelKit.

Same ONNX files, same inputs (float32 rows of the training data), one thread each
(onnxruntime: intra_op_num_threads=1, inter_op_num_threads=1, sequential execution).
Batch 1 and batch 1000. The figure is the median time of one `run` call, taken over
as many calls as fit in a time budget (at least `min_calls`).

ModelKit is timed by the tool under bench/modelkit/ (written with ModelKit, by its
owners); this module only calls it and reads its JSON. See `modelkit_tool()`.
"""

import json
import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

MODELS = ["rf", "gb", "lr", "mlp"]
BATCHES = [1, 1000]


def time_calls(fn, budget_s: float, min_calls: int) -> dict:
    for _ in range(min(20, min_calls)):
        fn()
    times = []
    end = time.perf_counter() + budget_s
    while len(times) < min_calls or time.perf_counter() < end:
        t = time.perf_counter_ns()
        fn()
        times.append(time.perf_counter_ns() - t)
        if len(times) >= 200000:
            break
    return {"median_us": statistics.median(times) / 1000.0, "p10_us": float(np.percentile(times, 10)) / 1000.0,
            "p90_us": float(np.percentile(times, 90)) / 1000.0, "calls": len(times)}


def onnxruntime_times(models_dir: Path, budget_s: float) -> dict:
    rows = np.load(models_dir / "batch1000.npy")
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
            x = np.ascontiguousarray(rows[:batch])
            out[name][str(batch)] = time_calls(lambda: sess.run(None, {inp: x}), budget_s, 50 if batch > 1 else 500)
            REFERENCE[(name, batch)] = np.ravel(sess.run(None, {inp: x})[0]).astype(np.float64)
    return out


REFERENCE: dict = {}


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


def modelkit_tool(root: Path) -> Path | None:
    """The ModelKit timing tool, if its owners have landed one: bench/modelkit/run
    (BENCH_MODELKIT_TOOL overrides the path)."""
    override = os.environ.get("BENCH_MODELKIT_TOOL")
    if override:
        p = Path(override)
        return p if p.is_file() and os.access(p, os.X_OK) else None
    for candidate in ("run", "bench", "time"):
        p = root / "bench" / "modelkit" / candidate
        if p.is_file() and os.access(p, os.X_OK):
            return p
    return None


def modelkit_times(root: Path, models_dir: Path, monolith_bin: Path | None, budget_s: float, log: Path) -> dict:
    """Runs the ModelKit tool; returns {"available": bool, "reason"?, "times"?: {model: {batch: {...}}}}.

    Contract (bench/README.md; bench/modelkit/README.md is the authority once it exists):
    the tool gets `--model FILE.onnx --input V2.json --threads 1 --budget SECONDS`, where
    V2.json is a KServe V2 request body (input "input", FP32, shape [batch, 8]); it runs
    `Session.run` on it repeatedly for about SECONDS and prints one JSON line with at least
    `median_us` (one call, microseconds) and `calls`, and optionally `outputs` (the V2
    response's outputs of one call), which are then compared with onnxruntime's.
    """
    tool = modelkit_tool(root)
    if tool is None:
        return {"available": False, "reason": "no ModelKit timing tool under bench/modelkit/ yet"}
    times: dict = {}
    env = dict(os.environ)
    if monolith_bin is not None:
        env["MONOLITH_BIN"] = str(monolith_bin)
    for name in MODELS:
        path = models_dir / "registries" / name / "models" / "1" / "model.onnx"
        times[name] = {}
        for batch in BATCHES:
            argv = [str(tool), "--model", str(path), "--input", str(models_dir / f"v2_batch{batch}.json"),
                    "--threads", "1", "--budget", str(budget_s)]
            try:
                r = subprocess.run(argv, capture_output=True, text=True, timeout=120 + budget_s * 4, env=env)
            except subprocess.TimeoutExpired:
                times[name][str(batch)] = {"error": "timed out"}
                continue
            with open(log, "a") as f:
                f.write(f"$ {' '.join(argv)}\n{r.stdout}\n{r.stderr}\n")
            if r.returncode != 0:
                times[name][str(batch)] = {"error": (r.stderr.strip() or r.stdout.strip())[-300:] or f"exit {r.returncode}"}
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
    return {"available": True, "tool": shown, "times": times}


def run(root: Path, models_dir: Path, monolith_bin: Path | None, budget_s: float, log: Path) -> dict:
    result = {"threads": 1, "batches": BATCHES, "models": MODELS, "budget_s": budget_s,
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


if __name__ == "__main__":
    import sys
    root = Path(__file__).resolve().parents[2]
    print(json.dumps(run(root, Path(sys.argv[1]), shutil.which("monolith") and Path(shutil.which("monolith")), 0.5, Path("/dev/null")), indent=1))
