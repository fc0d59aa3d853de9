"""Create the benchmark models in the seed registry layout.

For each model NAME this writes

    OUT/registries/NAME/models/1/model.joblib   (scikit-learn, what the seed stack loads)
    OUT/registries/NAME/models/1/model.onnx     (skl2onnx, float32 input "input" [None, 8])
    OUT/registries/NAME/models/1/metadata.json
    OUT/registries/NAME/latest/                 (copies of the three files, as the seeds do)

plus OUT/check.json: rows (already rounded to float32) and, per model, what the
scikit-learn model predicts for them. Every system's answers are compared to these
before it is timed.

Data: make_regression(n_samples=5000, n_features=8, random_state=0). Models:
  rf   RandomForestRegressor(n_estimators=100, max_depth=10)
  gb   GradientBoostingRegressor(n_estimators=100)      (in-process timing)
  mlp  MLPRegressor(hidden_layer_sizes=(64, 64))
  lr   LogisticRegression on the label y > median (binary classifier)

Deterministic (random_state=0 everywhere). Usage: make_models.py OUT_DIR
"""

import datetime
import hashlib
import json
import shutil
import sys
import warnings
from pathlib import Path

import joblib
import numpy as np
import onnx
import onnxruntime as ort
import skl2onnx
import sklearn
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType
from sklearn.datasets import make_regression
from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPRegressor

N_FEATURES = 8
CHECK_ROWS = 64


def build_models(X, y):
    """Fit every benchmark model; returns {name: (estimator, kind, params)}."""
    y_cls = (y > np.median(y)).astype(np.int64)
    specs = {
        "rf": (RandomForestRegressor(n_estimators=100, max_depth=10, random_state=0, n_jobs=1), y, "regressor"),
        "gb": (GradientBoostingRegressor(n_estimators=100, random_state=0), y, "regressor"),
        "mlp": (MLPRegressor(hidden_layer_sizes=(64, 64), max_iter=300, random_state=0), y, "regressor"),
        "lr": (LogisticRegression(max_iter=1000, random_state=0), y_cls, "classifier"),
    }
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name, (est, target, kind) in specs.items():
            est.fit(X, target)
            out[name] = (est, kind, target)
    return out


def to_onnx(name, est):
    """Export with skl2onnx: one float32 input named "input" of shape [None, 8].

    Classifiers are exported without ZipMap so the probabilities are a plain tensor
    (output_label int64 [N], output_probability float32 [N, classes]).
    """
    options = {id(est): {"zipmap": False}} if hasattr(est, "predict_proba") else None
    return convert_sklearn(
        est,
        name=f"bench_{name}",
        initial_types=[("input", FloatTensorType([None, N_FEATURES]))],
        options=options,
    )


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_models.py OUT_DIR")
    out = Path(sys.argv[1])
    X, y = make_regression(n_samples=5000, n_features=N_FEATURES, random_state=0)
    # Every server sees float32 features (ONNX input type); sklearn trees cast to float32 too.
    X32 = X.astype(np.float32)
    models = build_models(X, y)

    rng = np.random.default_rng(0)
    check_idx = rng.choice(len(X32), size=CHECK_ROWS, replace=False)
    check_rows = X32[check_idx]
    check = {
        "rows": [[float(v) for v in r] for r in check_rows],
        "bench_row": [float(v) for v in X32[0]],
        "expected": {},
        "onnxruntime": {},
        "kind": {},
    }

    for name, (est, kind, target) in models.items():
        reg = out / "registries" / name
        vdir = reg / "models" / "1"
        if reg.exists():
            shutil.rmtree(reg)
        vdir.mkdir(parents=True)
        joblib.dump(est, vdir / "model.joblib")
        model_proto = to_onnx(name, est)
        onnx_bytes = model_proto.SerializeToString()
        (vdir / "model.onnx").write_bytes(onnx_bytes)

        score = float(est.score(X, target))
        meta = {
            "name": name,
            "model_name": name,
            "version": "1",
            "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "framework": f"scikit-learn {sklearn.__version__}",
            "algorithm": type(est).__name__,
            "task": kind,
            "params": {k: v for k, v in est.get_params().items() if isinstance(v, (int, float, str, bool, type(None), tuple))},
            "metrics": {"r2_train" if kind == "regressor" else "accuracy_train": round(score, 6)},
            "training_data": "make_regression(n_samples=5000, n_features=8, random_state=0)",
            "n_features": N_FEATURES,
            "input_name": "input",
            "onnx": {"skl2onnx": skl2onnx.__version__, "opset": {o.domain or "ai.onnx": o.version for o in model_proto.opset_import}},
            "sha256": hashlib.sha256(onnx_bytes).hexdigest(),
        }
        (vdir / "metadata.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
        latest = reg / "latest"
        latest.mkdir()
        for f in ("model.joblib", "model.onnx", "metadata.json"):
            shutil.copy2(vdir / f, latest / f)

        check["expected"][name] = [float(v) for v in np.ravel(est.predict(check_rows))]
        sess = ort.InferenceSession(str(vdir / "model.onnx"), providers=["CPUExecutionProvider"])
        first = sess.run(None, {"input": check_rows})[0]
        check["onnxruntime"][name] = [float(v) for v in np.ravel(first)]
        check["kind"][name] = kind
        onnx.checker.check_model(model_proto)
        print(f"  {name}: {type(est).__name__} score={score:.4f} onnx={len(onnx_bytes)} bytes", flush=True)

    # Rows for in-process batch timing (float32, the first 1000 training rows), as .npy and as
    # KServe V2 request bodies (what `monolith infer --input` reads) for the ModelKit tool.
    np.save(out / "batch1000.npy", X32[:1000])
    for n in (1, 1000):
        body = {"inputs": [{"name": "input", "shape": [n, N_FEATURES], "datatype": "FP32",
                            "data": [float(v) for v in X32[:n].ravel()]}]}
        (out / f"v2_batch{n}.json").write_text(json.dumps(body) + "\n")
    (out / "check.json").write_text(json.dumps(check) + "\n")


if __name__ == "__main__":
    main()
