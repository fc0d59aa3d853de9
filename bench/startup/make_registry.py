#!/usr/bin/env python3
"""Generates a registry folder of many real scikit-learn models for the start-up bar.

    python3 bench/startup/make_registry.py OUT [--models 100] [--versions 3] [--layout triton|seed]

Triton layout (default): OUT/model-000/1/model.onnx ... one folder per model. Seed layout:
OUT/model-000/models/<v>/model.onnx + metadata.json (a folder of seed registries is not a
layout monolith reads; use it with --models 1). Models cycle through LogisticRegression,
DecisionTree, RandomForest (10 trees) and a small MLP, trained on make_classification data
with per-model seeds (8 features, 3 classes), exported with skl2onnx (zipmap off), so sizes
(1-60 KB) and operators (LinearClassifier, TreeEnsembleClassifier, MatMul/Relu/Softmax) are
what a team's registry holds. Deterministic for a given library version.
"""
import argparse
import json
import os
import shutil
import warnings

import numpy as np
from skl2onnx import to_onnx
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.tree import DecisionTreeClassifier


def make_model(kind, seed):
    if kind == 0:
        return LogisticRegression(max_iter=300)
    if kind == 1:
        return DecisionTreeClassifier(max_depth=6, random_state=seed)
    if kind == 2:
        return RandomForestClassifier(n_estimators=10, max_depth=5, random_state=seed)
    return MLPClassifier(hidden_layer_sizes=(16,), max_iter=200, random_state=seed)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--models", type=int, default=100)
    parser.add_argument("--versions", type=int, default=3)
    parser.add_argument("--layout", choices=["triton", "seed"], default="triton")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    total = 0
    for m in range(args.models):
        name = f"model-{m:03d}"
        for v in range(1, args.versions + 1):
            seed = m * 100 + v
            x, y = make_classification(n_samples=300, n_features=8, n_informative=5, n_classes=3, random_state=seed)
            x = x.astype(np.float32)
            model = make_model((m + v) % 4, seed).fit(x, y)
            onx = to_onnx(model, x[:1], options={id(model): {"zipmap": False}},
                          target_opset={"": 17, "ai.onnx.ml": 3})
            if args.layout == "triton":
                folder = os.path.join(args.out, name, str(v))
            else:
                folder = os.path.join(args.out, name, "models", str(v))
            os.makedirs(folder)
            with open(os.path.join(folder, "model.onnx"), "wb") as f:
                f.write(onx.SerializeToString())
            with open(os.path.join(folder, "metadata.json"), "w") as f:
                json.dump({"name": name, "version": str(v), "algorithm": type(model).__name__,
                           "metrics": {"train_accuracy": round(float(model.score(x, y)), 4)}}, f)
            total += 1
    print(f"{total} versions of {args.models} models in {args.out}")


if __name__ == "__main__":
    main()
