#!/usr/bin/env python3
"""Checks a `POST /predict` answer against expected_predictions.json (onnxruntime's answers).

Usage: check_predict.py EXPECTED.json REGISTRY_DIR HTTP_STATUS BODY_FILE
Exit 0 when the status is 200, the answer names a model version of the example registry,
that version's file is the one the expectations were computed from, and the labels and
probabilities match (probabilities within 1e-5). Prints what differs otherwise.
"""
import hashlib
import json
import os
import sys

TOLERANCE = 1e-5


def main():
    expected_path, registry, status, body_path = sys.argv[1:5]
    expected = json.load(open(expected_path))
    body = open(body_path, "rb").read()
    if status != "200":
        return f"status {status}: {body[:300]!r}"
    try:
        answer = json.loads(body)
    except ValueError as error:
        return f"not JSON ({error}): {body[:300]!r}"
    version = str(answer.get("model_version"))
    reference = expected["versions"].get(version)
    if reference is None:
        return f"model_version {version!r} is not one of {sorted(expected['versions'])}"
    model_file = os.path.join(registry, "models", version, "model.onnx")
    digest = hashlib.sha256(open(model_file, "rb").read()).hexdigest()
    if digest != reference["sha256"]:
        return f"{model_file} changed since the expectations were made: run tools/container/make_expected.py"
    problems = []
    if answer.get("model") != reference["name"]:
        problems.append(f"model {answer.get('model')!r} != {reference['name']!r}")
    if answer.get("predictions") != reference["labels"]:
        problems.append(f"predictions {answer.get('predictions')} != {reference['labels']}")
    got = answer.get("probabilities")
    want = reference["probabilities"]
    if not isinstance(got, list) or len(got) != len(want):
        problems.append(f"probabilities {got} != {want}")
    else:
        for row, (g, w) in enumerate(zip(got, want)):
            if len(g) != len(w) or any(abs(a - b) > TOLERANCE for a, b in zip(g, w)):
                problems.append(f"row {row}: probabilities {g} != {w} (tolerance {TOLERANCE})")
    return "; ".join(problems) or None


if __name__ == "__main__":
    problem = main()
    if problem:
        print(f"    {problem}")
        sys.exit(1)
