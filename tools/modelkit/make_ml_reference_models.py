#!/usr/bin/env python3
"""Writes the ModelKit reference models: real exports with onnxruntime's outputs.

scikit-learn models through skl2onnx (linear, ridge, logistic binary and multiclass, decision
tree, random forest, extra trees, gradient boosting, hist gradient boosting — each as
regressor and classifier —, SVR, SVC with and without probabilities, MLP regressor and
classifier, pipelines with scalers, a ColumnTransformer with one-hot string columns, an
imputer; classifiers with the default ZipMap output and with zipmap=False), XGBoost and
LightGBM models through onnxmltools, and a PyTorch MLP through torch.onnx.export.

Models are small (few, shallow trees) so the fixtures stay well under 3 MB. Each case is
Tests/ModelKitTests/Fixtures/ml-reference/<name>/ (layout in mlcases.py) with a few input
rows (some with NaN where the model handles missing values) and onnxruntime's outputs.

Usage: python3 tools/modelkit/make_ml_reference_models.py
(scikit-learn, skl2onnx, onnxmltools, xgboost, lightgbm, torch; versions in REFERENCE.txt)
"""
import os
import sys
import warnings

import numpy as np
import onnx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlcases import reset, write_case, write_index  # noqa: E402

# skl2onnx 1.20 passes numpy bools for HistGradientBoosting's missing-value flags, which
# onnx's make_attribute refuses for INTS: convert them (fixture generation only).
_make_attribute = onnx.helper.make_attribute


def _make_attribute_bools_as_ints(key, value, *args, **kwargs):
    if isinstance(value, (list, tuple)) and any(isinstance(v, (bool, np.bool_)) for v in value):
        value = [int(v) if isinstance(v, (bool, np.bool_)) else v for v in value]
    return _make_attribute(key, value, *args, **kwargs)


onnx.helper.make_attribute = _make_attribute_bools_as_ints

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "ModelKitTests", "Fixtures", "ml-reference")
NAMES = []
ROWS = 12


def save(name, model, feeds):
    if isinstance(model, onnx.ModelProto):
        m = model
    else:
        m = onnx.load_from_string(model)
    write_case(ROOT, name, m, feeds)
    NAMES.append(name)


def sklearn_models():
    from sklearn.compose import ColumnTransformer
    from sklearn.datasets import make_classification, make_regression
    from sklearn.ensemble import (ExtraTreesClassifier, ExtraTreesRegressor, GradientBoostingClassifier,
                                  GradientBoostingRegressor, HistGradientBoostingClassifier,
                                  HistGradientBoostingRegressor, RandomForestClassifier, RandomForestRegressor)
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, StandardScaler
    from sklearn.svm import SVC, SVR
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    X, y = make_regression(400, 6, noise=5.0, random_state=0)
    X = X.astype(np.float32)
    Xt = X[:ROWS]
    Xb, yb = make_classification(400, 6, n_informative=4, random_state=1)
    Xb = Xb.astype(np.float32)
    Xm, ym = make_classification(400, 6, n_informative=4, n_classes=3, random_state=2)
    Xm = Xm.astype(np.float32)
    ym_labels = np.array(["setosa", "versicolor", "virginica"])[ym]

    regressors = {
        "linear_regression": LinearRegression(),
        "ridge": Ridge(alpha=2.0),
        "decision_tree_regressor": DecisionTreeRegressor(max_depth=5, random_state=0),
        "random_forest_regressor": RandomForestRegressor(n_estimators=6, max_depth=5, random_state=0),
        "extra_trees_regressor": ExtraTreesRegressor(n_estimators=6, max_depth=5, random_state=0),
        "gradient_boosting_regressor": GradientBoostingRegressor(n_estimators=12, max_depth=3, random_state=0),
        "hist_gradient_boosting_regressor": HistGradientBoostingRegressor(max_iter=10, max_depth=4, random_state=0),
        "svr_rbf": make_pipeline(StandardScaler(), SVR(C=10.0)),
        "mlp_regressor": make_pipeline(StandardScaler(), MLPRegressor(hidden_layer_sizes=(16, 8), max_iter=400, random_state=0)),
        "pipeline_minmax_ridge": make_pipeline(MinMaxScaler(), Ridge()),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, est in regressors.items():
            est.fit(X, y)
            onx = to_onnx(est, X[:1], target_opset={"": 17, "ai.onnx.ml": 3})
            save(name, onx, {"X": Xt})
        # Missing values: hist gradient boosting routes NaN; an imputer fills them.
        Xn = X.copy()
        rng = np.random.default_rng(0)
        Xn[rng.random(Xn.shape) < 0.1] = np.nan
        hgb = HistGradientBoostingRegressor(max_iter=10, max_depth=4, random_state=0).fit(Xn, y)
        save("hist_gradient_boosting_regressor_nan", to_onnx(hgb, Xn[:1], target_opset={"": 17, "ai.onnx.ml": 3}), {"X": Xn[:ROWS]})
        imp = make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), Ridge()).fit(Xn, y)
        save("imputer_pipeline", to_onnx(imp, Xn[:1], target_opset={"": 17, "ai.onnx.ml": 3}), {"X": Xn[:ROWS]})

        classifiers = {
            "logistic_regression_binary": (LogisticRegression(max_iter=500), "b"),
            "logistic_regression_multiclass": (LogisticRegression(max_iter=500), "m"),
            "decision_tree_classifier": (DecisionTreeClassifier(max_depth=5, random_state=0), "m"),
            "random_forest_classifier_binary": (RandomForestClassifier(n_estimators=6, max_depth=5, random_state=0), "b"),
            "random_forest_classifier": (RandomForestClassifier(n_estimators=6, max_depth=5, random_state=0), "m"),
            "extra_trees_classifier": (ExtraTreesClassifier(n_estimators=6, max_depth=5, random_state=0), "m"),
            "gradient_boosting_classifier_binary": (GradientBoostingClassifier(n_estimators=10, max_depth=3, random_state=0), "b"),
            "gradient_boosting_classifier": (GradientBoostingClassifier(n_estimators=6, max_depth=3, random_state=0), "m"),
            "hist_gradient_boosting_classifier_binary": (HistGradientBoostingClassifier(max_iter=8, max_depth=4, random_state=0), "b"),
            "hist_gradient_boosting_classifier": (HistGradientBoostingClassifier(max_iter=6, max_depth=4, random_state=0), "m"),
            "svc_binary": (make_pipeline(StandardScaler(), SVC(C=2.0)), "b"),
            "svc_binary_probability": (make_pipeline(StandardScaler(), SVC(C=2.0, probability=True, random_state=0)), "b"),
            "svc_multiclass": (make_pipeline(StandardScaler(), SVC(C=2.0)), "m"),
            "svc_multiclass_probability": (make_pipeline(StandardScaler(), SVC(probability=True, random_state=0)), "m"),
            "svc_poly": (make_pipeline(StandardScaler(), SVC(kernel="poly", degree=3)), "m"),
            "mlp_classifier": (make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(16,), max_iter=400, random_state=0)), "m"),
            "mlp_classifier_binary": (MLPClassifier(hidden_layer_sizes=(8,), max_iter=400, random_state=0), "b"),
            "pipeline_scaler_logistic": (make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)), "m"),
        }
        for name, (est, kind) in classifiers.items():
            Xc, yc = (Xb, yb) if kind == "b" else (Xm, ym_labels)
            est.fit(Xc, yc)
            for zipmap in (True, False):
                onx = to_onnx(est, Xc[:1], options={"zipmap": zipmap} if zipmap is False else None,
                              target_opset={"": 17, "ai.onnx.ml": 3})
                # ZipMap and zipmap=False for a few; the rest without ZipMap only.
                if zipmap and name not in ("logistic_regression_binary", "random_forest_classifier", "gradient_boosting_classifier_binary",
                                           "svc_multiclass_probability", "mlp_classifier"):
                    continue
                save(name + ("_zipmap" if zipmap else ""), onx, {"X": Xc[:ROWS]})

        # ColumnTransformer: one-hot string columns + scaled numeric columns -> logistic regression.
        rng = np.random.default_rng(3)
        n = 300
        colour = rng.choice(["red", "green", "blue"], n)
        size = rng.choice(["S", "M", "L", "XL"], n)
        num = rng.normal(0, 1, (n, 3)).astype(np.float32)
        target = ((colour == "red") ^ (num[:, 0] > 0.2)).astype(int)
        import pandas as pd
        frame = pd.DataFrame({"colour": colour, "size": size, "a": num[:, 0], "b": num[:, 1], "c": num[:, 2]})
        ct = ColumnTransformer([("cat", OneHotEncoder(handle_unknown="ignore"), ["colour", "size"]),
                                ("num", StandardScaler(), ["a", "b", "c"])])
        pipe = make_pipeline(ct, LogisticRegression(max_iter=500)).fit(frame, target)
        types = [("colour", StringTensorType([None, 1])), ("size", StringTensorType([None, 1])),
                 ("a", FloatTensorType([None, 1])), ("b", FloatTensorType([None, 1])), ("c", FloatTensorType([None, 1]))]
        onx = to_onnx(pipe, initial_types=types, target_opset={"": 17, "ai.onnx.ml": 3})
        feeds = {"colour": colour[:ROWS].reshape(-1, 1).astype(object), "size": size[:ROWS].reshape(-1, 1).astype(object)}
        feeds["colour"][3, 0] = "purple"  # unknown category: all-zero one-hot row
        for i, col in enumerate("abc"):
            feeds[col] = num[:ROWS, i:i + 1]
        save("column_transformer_onehot", onx, feeds)


def boosting_models():
    import lightgbm
    import onnxmltools
    import xgboost
    from onnxmltools.convert.common.data_types import FloatTensorType
    from sklearn.datasets import make_classification, make_regression

    X, y = make_regression(400, 6, noise=5.0, random_state=4)
    X = X.astype(np.float32)
    Xb, yb = make_classification(400, 6, n_informative=4, random_state=5)
    Xm, ym = make_classification(400, 6, n_informative=4, n_classes=3, random_state=6)
    Xb, Xm = Xb.astype(np.float32), Xm.astype(np.float32)
    Xn = X.copy()
    Xn[np.random.default_rng(1).random(Xn.shape) < 0.1] = np.nan
    types = [("X", FloatTensorType([None, 6]))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        xr = xgboost.XGBRegressor(n_estimators=10, max_depth=4, random_state=0).fit(Xn, y)
        save("xgboost_regressor", onnxmltools.convert_xgboost(xr, initial_types=types, target_opset=15), {"X": Xn[:ROWS]})
        xb = xgboost.XGBClassifier(n_estimators=8, max_depth=3, random_state=0).fit(Xb, yb)
        save("xgboost_classifier_binary", onnxmltools.convert_xgboost(xb, initial_types=types, target_opset=15), {"X": Xb[:ROWS]})
        xm = xgboost.XGBClassifier(n_estimators=5, max_depth=3, random_state=0).fit(Xm, ym)
        save("xgboost_classifier", onnxmltools.convert_xgboost(xm, initial_types=types, target_opset=15), {"X": Xm[:ROWS]})
        lr = lightgbm.LGBMRegressor(n_estimators=10, num_leaves=15, random_state=0, verbose=-1).fit(Xn, y)
        save("lightgbm_regressor", onnxmltools.convert_lightgbm(lr, initial_types=types, target_opset=15), {"X": Xn[:ROWS]})
        lb = lightgbm.LGBMClassifier(n_estimators=8, num_leaves=8, random_state=0, verbose=-1).fit(Xb, yb)
        save("lightgbm_classifier_binary", onnxmltools.convert_lightgbm(lb, initial_types=types, target_opset=15, zipmap=False), {"X": Xb[:ROWS]})
        lm = lightgbm.LGBMClassifier(n_estimators=5, num_leaves=8, random_state=0, verbose=-1).fit(Xm, ym)
        save("lightgbm_classifier", onnxmltools.convert_lightgbm(lm, initial_types=types, target_opset=15), {"X": Xm[:ROWS]})


def torch_models():
    import io

    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.ReLU(), torch.nn.Linear(32, 16), torch.nn.Tanh(),
                              torch.nn.Linear(16, 3), torch.nn.Softmax(dim=1))
    net.eval()
    x = torch.randn(ROWS, 8)
    buf = io.BytesIO()
    torch.onnx.export(net, (x,), buf, input_names=["input"], output_names=["probabilities"],
                      dynamic_axes={"input": {0: "batch"}, "probabilities": {0: "batch"}}, opset_version=17, dynamo=False)
    save("pytorch_mlp", buf.getvalue(), {"input": x.numpy()})


def main():
    reset(ROOT)
    sklearn_models()
    boosting_models()
    torch_models()
    write_index(ROOT, NAMES, "")
    import lightgbm, onnxmltools, onnxruntime, skl2onnx, sklearn, torch, xgboost  # noqa: E401
    with open(os.path.join(ROOT, "REFERENCE.txt"), "w") as f:
        f.write("# Made by tools/modelkit/make_ml_reference_models.py with:\n")
        for mod in (onnx, onnxruntime, sklearn, skl2onnx, onnxmltools, xgboost, lightgbm, torch):
            f.write(f"{mod.__name__} {mod.__version__}\n")
    size = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(ROOT) for f in fs)
    print(f"{len(NAMES)} models, {size / 1e6:.2f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
