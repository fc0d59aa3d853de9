#!/usr/bin/env python3
"""ModelKit vs onnxruntime for the ai.onnx.ml bar: tree ensembles and a linear classifier.

Models (skl2onnx, classifiers with zipmap=False as bench/lib/make_models.py exports them):
  rf  RandomForestRegressor(n_estimators=100, max_depth=10), 8 features, make_regression(5000, random_state=0)
  gb  GradientBoostingRegressor(n_estimators=100) on the same data
  lr  LogisticRegression on y > median (binary)
Per-call time of Session.run (bench/modelkit's modelkit-bench, release, single thread) against
onnxruntime's Python InferenceSession.run (intra_op 1, inter_op 1, sequential), batch 1 and
1000, same method as run_bench.py (median of 5 rounds of this thread's CPU time).

Usage: python3 bench/modelkit/run_ml_bench.py [--seconds 2]
"""
import argparse
import os
import subprocess
import sys
import warnings

import numpy as np
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run_bench import TMP, ort_per_call  # noqa: E402


def make_models():
    from sklearn.datasets import make_regression
    from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor
    from sklearn.linear_model import LogisticRegression
    from skl2onnx import to_onnx
    X, y = make_regression(n_samples=5000, n_features=8, random_state=0)
    X = X.astype(np.float32)
    models = {
        "rf_100x10.onnx": RandomForestRegressor(n_estimators=100, max_depth=10, random_state=0, n_jobs=1).fit(X, y),
        "gb_100.onnx": GradientBoostingRegressor(n_estimators=100, random_state=0).fit(X, y),
        "logistic.onnx": LogisticRegression(max_iter=1000, random_state=0).fit(X, (y > np.median(y)).astype(np.int64)),
    }
    paths = []
    for name, est in models.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            options = {id(est): {"zipmap": False}} if hasattr(est, "predict_proba") else None
            onx = to_onnx(est, X[:1], options=options, target_opset={"": 17, "ai.onnx.ml": 3})
        path = os.path.join(TMP, name)
        with open(path, "wb") as f:
            f.write(onx.SerializeToString())
        paths.append(path)
    return paths


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    os.makedirs(TMP, exist_ok=True)
    paths = make_models()
    subprocess.run(["swift", "build", "-c", "release", "--package-path", HERE], check=True, stdout=subprocess.DEVNULL)
    binary = subprocess.run(["swift", "build", "-c", "release", "--package-path", HERE, "--show-bin-path"],
                            check=True, capture_output=True, text=True).stdout.strip() + "/modelkit-bench"
    print(f"{'model':<20} {'batch':>6} {'onnxruntime us':>15} {'monolith us':>12} {'speedup':>8}")
    for path in paths:
        out = subprocess.run([binary, path, "1,1000", str(args.seconds)], check=True, capture_output=True, text=True).stdout
        ours = {}
        for line in out.splitlines():
            fields = dict(f.split("=") for f in line.split())
            ours[int(fields["batch"])] = float(fields["us_per_call"])
        for batch in (1, 1000):
            theirs = ort_per_call(path, batch, args.seconds)
            print(f"{os.path.basename(path):<20} {batch:>6} {theirs:>15.2f} {ours[batch]:>12.2f} {theirs / ours[batch]:>7.2f}x", flush=True)
    print(f"onnxruntime {ort.__version__}, python {sys.version.split()[0]}; speedup = onnxruntime time / monolith time")


if __name__ == "__main__":
    main()
