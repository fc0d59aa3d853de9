#!/usr/bin/env python3
"""Writes tools/container/expected_predictions.json: what the example registry's models answer.

The container test (tools/container/test.sh) posts these rows to `POST /predict` on the
image's baked-in registry and compares the answer with what onnxruntime computes here for
the same model file — an independent reference, not monolith's own output. Each entry
records the model file's sha256, so a regenerated example registry is noticed (the test
then fails and asks for this script to be re-run).

Needs numpy and onnxruntime (pip install onnxruntime).
Usage: python3 tools/container/make_expected.py
"""
import glob
import hashlib
import json
import os

import numpy as np
import onnxruntime as ort

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REGISTRY = os.path.join(ROOT, "examples", "registry")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "expected_predictions.json")

# Iris measurements in cm (sepal length, sepal width, petal length, petal width): one
# typical flower of each class.
ROWS = [
    [5.1, 3.5, 1.4, 0.2],
    [6.0, 2.9, 4.5, 1.5],
    [6.9, 3.1, 5.4, 2.1],
]


def main():
    versions = {}
    for path in sorted(glob.glob(os.path.join(REGISTRY, "models", "*", "model.onnx"))):
        version = os.path.basename(os.path.dirname(path))
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        with open(os.path.join(os.path.dirname(path), "metadata.json")) as f:
            name = json.load(f)["name"]
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        feed = {session.get_inputs()[0].name: np.array(ROWS, dtype=np.float32)}
        names = [o.name for o in session.get_outputs()]
        outputs = dict(zip(names, session.run(None, feed)))
        versions[version] = {
            "name": name,
            "sha256": digest,
            "labels": [int(v) for v in outputs["label"]],
            "probabilities": [[round(float(p), 7) for p in row] for row in outputs["probabilities"]],
        }
    result = {
        "generator": "tools/container/make_expected.py",
        "onnxruntime": ort.__version__,
        "rows": ROWS,
        "versions": versions,
    }
    with open(OUT, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT, ROOT)}: versions {sorted(versions)}")


if __name__ == "__main__":
    main()
