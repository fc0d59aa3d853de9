#!/usr/bin/env python3
"""Builds examples/registry/: the example model registry `monolith serve` ships with.

The seed layout (registry/models/<version>/model.<ext> + metadata.json, latest/ a copy of the
newest version), with ONNX instead of joblib:

    examples/registry/
      models/1/model.onnx  models/1/metadata.json   LogisticRegression on iris
      models/2/model.onnx  models/2/metadata.json   RandomForest on iris (more accurate)
      latest/model.onnx    latest/metadata.json     copy of version 2

Both versions take `input` float32 [N, 4] (sepal length, sepal width, petal length, petal
width, in cm) and return `label` int64 [N] (0 setosa, 1 versicolor, 2 virginica) and
`probabilities` float32 [N, 3]. Deterministic: fixed seeds, a fixed split, fixed timestamps,
so re-running it reproduces the same files with the same library versions.

Needs scikit-learn and skl2onnx (pip install scikit-learn skl2onnx onnx).
Usage: python3 examples/make_example_registry.py [--out examples/registry]
"""
import argparse
import json
import os
import shutil

import numpy as np
import onnx
import skl2onnx
import sklearn
from skl2onnx import to_onnx
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

MODEL_NAME = "iris-classifier"
FEATURES = ["sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"]


def export(model, x_sample):
    onx = to_onnx(
        model,
        x_sample[:1].astype(np.float32),
        options={id(model): {"zipmap": False}},
        target_opset={"": 17, "ai.onnx.ml": 3},
        final_types=None,
    )
    # The converter names the input X; name the input `input` as the seed API's features vector; outputs keep skl2onnx's
    # `label` and `probabilities`.
    old = onx.graph.input[0].name
    onx.graph.input[0].name = "input"
    for node in onx.graph.node:
        node.input[:] = ["input" if i == old else i for i in node.input]
    onx.producer_name = "skl2onnx"
    onx.doc_string = f"{type(model).__name__} trained on the iris dataset"
    onnx.checker.check_model(onx)
    return onx.SerializeToString()


def main():
    parser = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out", default=os.path.join(here, "registry"))
    out = parser.parse_args().out

    iris = load_iris()
    x = iris.data.astype(np.float32)
    y = iris.target
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.3, random_state=42, stratify=y)

    candidates = [
        (
            LogisticRegression(max_iter=500, C=1.0),
            {"algorithm": "LogisticRegression", "max_iter": 500, "C": 1.0},
            "2025-01-10T09:00:00Z",
        ),
        (
            RandomForestClassifier(n_estimators=20, max_depth=3, random_state=1),
            {"algorithm": "RandomForestClassifier", "n_estimators": 20, "max_depth": 3, "random_state": 1},
            "2025-02-03T14:30:00Z",
        ),
    ]
    if os.path.isdir(out):
        shutil.rmtree(out)
    for number, (model, params, created) in enumerate(candidates, start=1):
        model.fit(x_train, y_train)
        predicted = model.predict(x_test)
        metadata = {
            "name": MODEL_NAME,
            "version": str(number),
            "created_at": created,
            "description": f"{params['algorithm']} classifying iris flowers from 4 measurements",
            "framework": f"scikit-learn {sklearn.__version__}",
            "exported_with": f"skl2onnx {skl2onnx.__version__}",
            "params": params,
            "metrics": {
                "accuracy": round(float(accuracy_score(y_test, predicted)), 4),
                "f1_macro": round(float(f1_score(y_test, predicted, average="macro")), 4),
            },
            "training": {
                "dataset": "iris (sklearn.datasets.load_iris)",
                "n_train": int(len(x_train)),
                "n_test": int(len(x_test)),
                "split": "stratified 70/30, random_state=42",
            },
            "features": FEATURES,
            "classes": [str(c) for c in iris.target_names],
            "input": {"name": "input", "datatype": "FP32", "shape": [-1, 4]},
            "outputs": [
                {"name": "label", "datatype": "INT64", "shape": [-1]},
                {"name": "probabilities", "datatype": "FP32", "shape": [-1, 3]},
            ],
        }
        folder = os.path.join(out, "models", str(number))
        os.makedirs(folder)
        with open(os.path.join(folder, "model.onnx"), "wb") as f:
            f.write(export(model, x_train))
        with open(os.path.join(folder, "metadata.json"), "w") as f:
            json.dump(metadata, f, indent=2)
            f.write("\n")
        print(f"version {number}: {params['algorithm']} accuracy {metadata['metrics']['accuracy']}")
    shutil.copytree(os.path.join(out, "models", str(len(candidates))), os.path.join(out, "latest"))
    # A reference prediction for the README / smoke checks: the first test row.
    print("sample row", x_test[0].tolist(), "label", int(y_test[0]))


if __name__ == "__main__":
    main()
