#!/usr/bin/env python3
"""ModelKit vs onnxruntime: in-process per-call latency, one thread each.

Builds an sklearn MLPRegressor 8-64-64-1 (skl2onnx), then times
  - onnxruntime's Python InferenceSession.run (intra_op_num_threads=1, inter_op 1, sequential)
  - monolith ModelKit Session.run (bench/modelkit, release build, single-threaded)
at batch 1 and 1000; prints median per-call microseconds (CPU time of the calling thread,
which is where both run with one thread) and the ratio.
Extra models (e.g. the tree/linear models of the ML operators) can be passed as paths.

Usage: python3 bench/modelkit/run_bench.py [--seconds 2] [extra.onnx ...]
"""
import argparse
import os
import subprocess
import sys
import time
import warnings

import numpy as np
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
TMP = os.path.join(HERE, "..", "results", "tmp")


def make_mlp(path):
    from sklearn.neural_network import MLPRegressor
    from skl2onnx import to_onnx
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 8)).astype(np.float32)
    y = X @ rng.normal(size=8) + np.sin(X[:, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MLPRegressor(hidden_layer_sizes=(64, 64), max_iter=200, random_state=0).fit(X, y)
    onx = to_onnx(model, X[:1], target_opset={"": 17, "ai.onnx.ml": 3})
    open(path, "wb").write(onx.SerializeToString())


def ort_per_call(path, batch, seconds):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    shape = [batch if not isinstance(d, int) or d < 0 else d for d in inp.shape]
    x = np.random.default_rng(1).uniform(-2, 2, size=shape).astype(np.float32)
    feeds = {inp.name: x}
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < 0.2:
        sess.run(None, feeds)
        calls += 1
    per_round = max(1, int(calls * seconds / 5 / 0.2))
    rounds = []
    for _ in range(5):
        t = time.thread_time()
        for _ in range(per_round):
            sess.run(None, feeds)
        rounds.append((time.thread_time() - t) / per_round * 1e6)
    return sorted(rounds)[2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("models", nargs="*")
    args = parser.parse_args()
    os.makedirs(TMP, exist_ok=True)
    mlp = os.path.join(TMP, "mlp_8_64_64_1.onnx")
    make_mlp(mlp)
    subprocess.run(["swift", "build", "-c", "release", "--package-path", HERE], check=True,
                   stdout=subprocess.DEVNULL)
    binary = subprocess.run(["swift", "build", "-c", "release", "--package-path", HERE, "--show-bin-path"],
                            check=True, capture_output=True, text=True).stdout.strip() + "/modelkit-bench"
    print(f"{'model':<28} {'batch':>6} {'onnxruntime us':>15} {'monolith us':>12} {'speedup':>8}")
    for path in [mlp] + args.models:
        out = subprocess.run([binary, path, "1,1000", str(args.seconds)], check=True, capture_output=True, text=True).stdout
        ours = {}
        for line in out.splitlines():
            fields = dict(f.split("=") for f in line.split())
            ours[int(fields["batch"])] = float(fields["us_per_call"])
        for batch in (1, 1000):
            theirs = ort_per_call(path, batch, args.seconds)
            print(f"{os.path.basename(path):<28} {batch:>6} {theirs:>15.2f} {ours[batch]:>12.2f} {theirs / ours[batch]:>7.2f}x")
    print(f"onnxruntime {ort.__version__}, python {sys.version.split()[0]}; speedup = onnxruntime time / monolith time")


if __name__ == "__main__":
    main()
