#!/usr/bin/env python3
"""Writes single-operator ai.onnx.ml cases with onnxruntime's outputs (ModelKit fixtures).

The ONNX operator pages leave much of these operators' numerics open (two-class scores,
label rules, base values, transforms, float vs double accumulation); onnxruntime is the
reference. Each case is one node with varied attributes, most of them drawn at random
(seeded): random trees with every node mode, missing-value tracking, several weights per
leaf, base values, aggregates and transforms; linear, SVM, scaler, normalizer, encoder,
imputer and ZipMap nodes. Inputs hit split thresholds exactly and contain NaNs.

Layout: Tests/ModelKitTests/Fixtures/ml-operators/<case>/ (see mlcases.py) and CASES.txt.
Usage: python3 tools/modelkit/make_ml_operator_cases.py   (onnx 1.23.2, onnxruntime 1.31)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as TP
from onnx import helper as h

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlcases import reset, write_case, write_index  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "ModelKitTests", "Fixtures", "ml-operators")
GRID = np.array([-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5], dtype=np.float32)
NAMES = []


def model(op, attrs, inputs, outputs, ml=3, extra_nodes=(), onnx_opset=17):
    node = h.make_node(op, [i.name for i in inputs], [o.name for o in outputs], domain="ai.onnx.ml", **attrs)
    g = h.make_graph([node, *extra_nodes], "g", inputs, outputs)
    m = h.make_model(g, opset_imports=[h.make_opsetid("", onnx_opset), h.make_opsetid("ai.onnx.ml", ml)])
    m.ir_version = 8
    return m


def case(name, m, feeds, check=None):
    if write_case(ROOT, name, m, feeds, check) is not None:
        NAMES.append(name)


def tensor_in(name, elem, shape=None):
    return h.make_tensor_value_info(name, elem, shape)


def inputs_for(rng, rows, features, nan_rate=0.1, dtype=np.float32):
    x = rng.choice(GRID, size=(rows, features)).astype(np.float64)
    noise = rng.random((rows, features)) < 0.4
    x[noise] = rng.normal(0, 1.2, size=noise.sum())
    x[rng.random((rows, features)) < nan_rate] = np.nan
    return x.astype(dtype)


# ---------------------------------------------------------------- trees (v1/v3)

def random_forest(rng, trees, features, depth, modes, leaf_weights, missing_rate=0.3, p_leaf=0.25):
    """Random trees in v3 attribute form; leaf_weights(rng) -> list of (id, weight) per leaf."""
    a = {k: [] for k in ["nodes_treeids", "nodes_nodeids", "nodes_featureids", "nodes_values", "nodes_modes",
                         "nodes_truenodeids", "nodes_falsenodeids", "nodes_missing_value_tracks_true"]}
    w = {"treeids": [], "nodeids": [], "ids": [], "weights": []}
    for t in range(trees):
        nodes = []

        def build(d):
            i = len(nodes)
            nodes.append(None)
            if d == 0 or (d < depth and rng.random() < p_leaf):
                nodes[i] = ("LEAF", 0, 0.0, 0, 0, 0)
            else:
                mode = modes[rng.integers(len(modes))]
                thr = float(rng.choice(GRID)) if rng.random() < 0.7 else float(rng.normal(0, 1))
                left = build(d - 1)
                right = build(d - 1)
                nodes[i] = (mode, int(rng.integers(features)), thr, left, right, int(rng.random() < missing_rate))
            return i

        build(depth)
        # Node ids are a permutation (root first in the arrays, the rest shuffled).
        ids = list(range(len(nodes)))
        perm = [0] + list(rng.permutation(np.arange(1, len(nodes)))) if len(nodes) > 1 else [0]
        new_id = {old: int(v) for old, v in zip(ids, rng.permutation(len(nodes)))}
        for old in perm:
            mode, f, thr, left, right, miss = nodes[old]
            a["nodes_treeids"].append(t * 2 + 1)
            a["nodes_nodeids"].append(new_id[old])
            a["nodes_featureids"].append(f)
            a["nodes_values"].append(thr)
            a["nodes_modes"].append(mode)
            a["nodes_truenodeids"].append(new_id[left] if mode != "LEAF" else 0)
            a["nodes_falsenodeids"].append(new_id[right] if mode != "LEAF" else 0)
            a["nodes_missing_value_tracks_true"].append(miss)
            if mode == "LEAF":
                for cid, weight in leaf_weights(rng):
                    w["treeids"].append(t * 2 + 1)
                    w["nodeids"].append(new_id[old])
                    w["ids"].append(cid)
                    w["weights"].append(weight)
    return a, w


ALL_MODES = ["BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT", "BRANCH_EQ", "BRANCH_NEQ"]


def tree_regressors(rng):
    configs = []
    for k in range(40):
        targets = [1, 1, 2, 3][k % 4]
        modes = [["BRANCH_LEQ"], ["BRANCH_LT"], ALL_MODES, ["BRANCH_GTE", "BRANCH_GT"]][(k // 4) % 4]
        agg = ["SUM", "AVERAGE", "MIN", "MAX"][(k // 2) % 4]
        pt = ["NONE", "NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO", "PROBIT"][k % 6]
        configs.append((targets, modes, agg, pt))
    for k, (targets, modes, agg, pt) in enumerate(configs):
        def leaf_weights(r, targets=targets):
            out = []
            for t in range(targets):
                n = r.choice([0, 1, 1, 1, 2]) if targets > 1 else r.choice([0, 1, 1, 1, 1, 2])
                out += [(t, float(r.normal(0, 0.5))) for _ in range(n)]
            r.shuffle(out)
            return out
        trees = int(rng.integers(1, 6))
        a, w = random_forest(rng, trees, 4, int(rng.integers(1, 5)), modes, leaf_weights, missing_rate=[0, 0.3][k % 2])
        attrs = dict(a, target_treeids=w["treeids"], target_nodeids=w["nodeids"], target_ids=w["ids"],
                     target_weights=w["weights"], n_targets=targets, aggregate_function=agg, post_transform=pt)
        if k % 3 == 1:
            attrs["base_values"] = [float(v) for v in rng.normal(0, 1, targets)]
        if k % 5 == 4:
            del attrs["nodes_missing_value_tracks_true"]
        double = k % 7 == 3
        if double and k % 2:
            attrs["nodes_values_as_tensor"] = h.make_tensor("v", TP.DOUBLE, [len(attrs["nodes_values"])], attrs.pop("nodes_values"))
            attrs["target_weights_as_tensor"] = h.make_tensor("w", TP.DOUBLE, [len(attrs["target_weights"])], attrs.pop("target_weights"))
        x = inputs_for(rng, 24, 4, dtype=np.float64 if double else np.float32)
        m = model("TreeEnsembleRegressor", attrs, [tensor_in("X", TP.DOUBLE if double else TP.FLOAT, [None, 4])],
                  [tensor_in("Y", TP.FLOAT, [None, targets])])
        case(f"tree_regressor_{k:02d}_{targets}t_{agg.lower()}_{pt.lower()}{'_double' if double else ''}", m, {"X": x})


def tree_classifiers(rng):
    kinds = ["binary_prob", "binary_margin", "binary_two_ids", "multi", "multi_missing_class", "one_class", "binary_id1"]
    k = 0
    for kind in kinds:
        for variant in range(8):
            if kind in ("binary_prob", "binary_margin", "binary_id1"):
                classes, ids = 2, [1 if kind == "binary_id1" else 0]
            elif kind == "binary_two_ids":
                classes, ids = 2, [0, 1]
            elif kind == "one_class":
                classes, ids = 1, [0]
            else:
                classes = 3 + variant % 2
                ids = list(range(classes)) if kind == "multi" else list(range(classes - 1))
            positive = kind == "binary_prob" or (kind == "binary_id1" and variant % 2 == 0) or (kind == "multi" and variant % 3 == 0)

            def leaf_weights(r, ids=ids, positive=positive):
                out = []
                for cid in ids:
                    n = r.choice([0, 1, 1, 1, 2]) if len(ids) > 1 else r.choice([1, 1, 1, 2])
                    for _ in range(n):
                        v = float(r.random()) if positive else float(r.normal(0, 1))
                        out.append((cid, v))
                return out
            pts = ["NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO", "NONE", "LOGISTIC", "PROBIT", "NONE"]
            pt = pts[variant]
            single_score = classes == 2 and len(ids) == 1
            if pt == "PROBIT" and (single_score or classes == 1):
                pt = "LOGISTIC"  # onnxruntime leaves a column unwritten there (see TreeClassifierOperator)
            if kind == "binary_two_ids" and pt == "PROBIT":
                pt = "NONE"
            trees = int(rng.integers(1, 6))
            modes = [["BRANCH_LEQ"], ["BRANCH_LT"], ALL_MODES][variant % 3]
            a, w = random_forest(rng, trees, 5, int(rng.integers(1, 5)), modes, leaf_weights)
            attrs = dict(a, class_treeids=w["treeids"], class_nodeids=w["nodeids"], class_ids=w["ids"],
                         class_weights=w["weights"], post_transform=pt)
            strings = variant % 4 == 2 and classes > 1  # one class + strings crashes onnxruntime (label index 1)
            if strings:
                attrs["classlabels_strings"] = [f"c{i}" for i in range(classes)]
            else:
                attrs["classlabels_int64s"] = [int(v) for v in rng.choice(np.arange(-5, 50), classes, replace=False)]
            base_choice = variant % 3
            if base_choice == 1:
                attrs["base_values"] = [float(v) for v in rng.normal(0, 1, classes)]
            elif base_choice == 2 and classes == 2:
                attrs["base_values"] = [float(rng.normal(0, 1))]
            if kind == "one_class" and "base_values" in attrs and len(attrs["base_values"]) > 1:
                del attrs["base_values"]
            if single_score and base_choice == 1 and pt == "PROBIT":
                pt = attrs["post_transform"] = "NONE"
            itype, dtype = [(TP.FLOAT, np.float32), (TP.DOUBLE, np.float64), (TP.INT64, np.int64), (TP.FLOAT, np.float32)][variant % 4]
            x = inputs_for(rng, 24, 5, nan_rate=0 if itype == TP.INT64 else 0.1)
            if itype == TP.INT64:
                x = np.round(x * 2).astype(np.int64)
            else:
                x = x.astype(dtype)
            label_type = TP.STRING if strings else TP.INT64
            m = model("TreeEnsembleClassifier", attrs, [tensor_in("X", itype, [None, 5])],
                      [tensor_in("label", label_type, [None]), tensor_in("probabilities", TP.FLOAT, [None, classes])])
            case(f"tree_classifier_{k:02d}_{kind}_{pt.lower()}", m, {"X": x})
            k += 1


def tree_ensemble_v5(rng):
    for k in range(16):
        targets = [1, 2, 3][k % 3]
        agg = [0, 1, 2, 3][k % 4]
        pt = [0, 0, 3, 4][(k // 4) % 4] if targets > 1 else [0, 4][k % 2]
        double = k % 5 == 2
        ftype = TP.DOUBLE if double else TP.FLOAT
        interior = []  # (mode, feature, split, true, false, trueleaf, falseleaf, missing)
        leaves = []
        members = []
        roots = []

        def build(d):
            if d == 0 or (d < 4 and rng.random() < 0.25):
                leaves.append((int(rng.integers(targets)), float(rng.normal(0, 1))))
                return len(leaves) - 1, 1
            i = len(interior)
            interior.append(None)
            mode = int(rng.integers(7))
            split = float(rng.choice(GRID))
            if mode == 6:
                # Members in [0, 32): onnxruntime tests those exactly (a bitset); for negative
                # members or members >= 32 it truncates the input to an integer first, which
                # the operator page does not say (ModelKit tests membership exactly).
                s = sorted(set(float(v) for v in rng.choice([0.0, 1.0, 2.0, 3.0], int(rng.integers(1, 4)))))
                members.append(s)
            t, tl = build(d - 1)
            f, fl = build(d - 1)
            interior[i] = (mode, int(rng.integers(4)), split, t, f, tl, fl, int(rng.random() < 0.3))
            return i, 0

        for _ in range(int(rng.integers(1, 5))):
            before = len(interior)
            idx, is_leaf = build(int(rng.integers(1, 5)))
            if is_leaf:  # a tree that is a leaf: one node whose branches both name it
                interior.append((0, 0, 0.0, idx, idx, 1, 1, 0))
                idx = len(interior) - 1
            roots.append(idx if not is_leaf else idx)
            assert before <= idx
        mv = []
        for s in members:
            mv += s + [float("nan")]
        attrs = dict(
            nodes_featureids=[n[1] for n in interior],
            nodes_splits=h.make_tensor("s", ftype, [len(interior)], [n[2] for n in interior]),
            nodes_modes=h.make_tensor("m", TP.UINT8, [len(interior)], [n[0] for n in interior]),
            nodes_truenodeids=[n[3] for n in interior], nodes_falsenodeids=[n[4] for n in interior],
            nodes_trueleafs=[n[5] for n in interior], nodes_falseleafs=[n[6] for n in interior],
            nodes_missing_value_tracks_true=[n[7] for n in interior],
            leaf_targetids=[lf[0] for lf in leaves],
            leaf_weights=h.make_tensor("w", ftype, [len(leaves)], [lf[1] for lf in leaves]),
            tree_roots=roots, n_targets=targets, aggregate_function=agg, post_transform=pt)
        if members:
            attrs["membership_values"] = h.make_tensor("mv", ftype, [len(mv)], mv)
        x = inputs_for(rng, 20, 4, dtype=np.float64 if double else np.float32)
        m = model("TreeEnsemble", attrs, [tensor_in("X", ftype, [None, 4])], [tensor_in("Y", ftype, [None, targets])], ml=5, onnx_opset=21)
        case(f"tree_ensemble_v5_{k:02d}_{targets}t_agg{agg}_pt{pt}{'_double' if double else ''}", m, {"X": x})


# ---------------------------------------------------------------- linear models

def linear_models(rng):
    pts = ["NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO", "PROBIT"]
    for k, pt in enumerate(pts):
        for targets in (1, 3):
            coef = [float(v) for v in rng.normal(0, 0.5, targets * 4)]
            attrs = dict(coefficients=coef, targets=targets, post_transform=pt)
            if k % 2 == 0:
                attrs["intercepts"] = [float(v) for v in rng.normal(0, 0.5, targets)]
            x = rng.normal(0, 1, (16, 4)).astype(np.float32)
            if pt == "PROBIT":
                x = (rng.random((16, 4)) * 0.2).astype(np.float32)
                attrs["coefficients"] = [abs(c) for c in coef]
                attrs["intercepts"] = [0.1] * targets
            m = model("LinearRegressor", attrs, [tensor_in("X", TP.FLOAT, [None, 4])], [tensor_in("Y", TP.FLOAT, [None, targets])])
            case(f"linear_regressor_{targets}t_{pt.lower()}", m, {"X": x})
    for k, pt in enumerate(pts):
        for classes in (1, 2, 4):
            if classes == 1 and pt == "PROBIT":
                continue  # onnxruntime writes only half of Z there (see LinearClassifierOperator)
            coef = [float(v) for v in rng.normal(0, 0.7, classes * 3)]
            attrs = dict(coefficients=coef, intercepts=[float(v) for v in rng.normal(0, 0.3, classes)], post_transform=pt)
            labels = 2 if classes == 1 else classes
            strings = k % 2 == 1
            if strings:
                attrs["classlabels_strings"] = [f"label{i}" for i in range(labels)]
            else:
                attrs["classlabels_ints"] = [int(v) for v in rng.choice(np.arange(0, 40), labels, replace=False)]
            itype, dtype = [(TP.FLOAT, np.float32), (TP.DOUBLE, np.float64), (TP.INT64, np.int64), (TP.INT32, np.int32), (TP.FLOAT, np.float32)][k]
            x = rng.normal(0, 2, (16, 3))
            if pt == "PROBIT":
                x = rng.random((16, 3)) * 0.2
                attrs["coefficients"] = [abs(c) for c in coef]
                attrs["intercepts"] = [0.1] * classes
            x = np.round(x).astype(dtype) if dtype in (np.int64, np.int32) else x.astype(dtype)
            m = model("LinearClassifier", attrs, [tensor_in("X", itype, [None, 3])],
                      [tensor_in("Y", TP.STRING if strings else TP.INT64, [None]), tensor_in("Z", TP.FLOAT, [None, 2 if classes == 1 else classes])])
            case(f"linear_classifier_{classes}c_{pt.lower()}_{'strings' if strings else 'ints'}", m, {"X": x})


# ---------------------------------------------------------------- SVMs

def svm_models(rng):
    kernels = [("LINEAR", [0.0, 0.0, 0.0]), ("POLY", [0.3, 0.5, 3.0]), ("RBF", [0.4, 0.0, 0.0]), ("SIGMOID", [0.2, -0.1, 0.0])]
    for ki, (kernel, params) in enumerate(kernels):
        n_sv, features = 5, 3
        sv = [float(v) for v in rng.normal(0, 1, n_sv * features)]
        attrs = dict(kernel_type=kernel, kernel_params=params, n_supports=n_sv, support_vectors=sv,
                     coefficients=[float(v) for v in rng.normal(0, 1, n_sv)], rho=[float(rng.normal())])
        x = rng.normal(0, 1, (12, features)).astype(np.float32)
        for one_class in (0, 1):
            m = model("SVMRegressor", dict(attrs, one_class=one_class), [tensor_in("X", TP.FLOAT, [None, features])], [tensor_in("Y", TP.FLOAT, [None, 1])])
            case(f"svm_regressor_{kernel.lower()}{'_one_class' if one_class else ''}", m, {"X": x})
    m = model("SVMRegressor", dict(coefficients=[0.5, -1.0, 2.0], rho=[0.25], kernel_type="LINEAR", kernel_params=[0.0, 0.0, 0.0]), [tensor_in("X", TP.FLOAT, [None, 3])], [tensor_in("Y", TP.FLOAT, [None, 1])])
    case("svm_regressor_linear_mode", m, {"X": rng.normal(0, 1, (8, 3)).astype(np.float32)})
    for ki, (kernel, params) in enumerate(kernels):
        for classes in (2, 3, 4):
            for proba in (False, True):
                features = 3
                per_class = [int(v) for v in rng.integers(1, 4, classes)]
                total = sum(per_class)
                pairs = classes * (classes - 1) // 2
                attrs = dict(kernel_type=kernel, kernel_params=params, vectors_per_class=per_class,
                             support_vectors=[float(v) for v in rng.normal(0, 1, total * features)],
                             coefficients=[float(v) for v in rng.normal(0, 1, (classes - 1) * total)],
                             rho=[float(v) for v in rng.normal(0, 0.5, pairs)])
                if proba:
                    attrs["prob_a"] = [float(v) for v in rng.normal(-2, 0.5, pairs)]
                    attrs["prob_b"] = [float(v) for v in rng.normal(0, 0.2, pairs)]
                strings = (ki + classes) % 2 == 0
                if strings:
                    attrs["classlabels_strings"] = [f"s{i}" for i in range(classes)]
                else:
                    attrs["classlabels_ints"] = [int(v) for v in rng.choice(np.arange(0, 30), classes, replace=False)]
                pt = ["NONE", "LOGISTIC", "NONE", "SOFTMAX"][(ki + classes) % 4] if classes > 2 or proba else ["NONE", "LOGISTIC"][ki % 2]
                attrs["post_transform"] = pt
                width = classes if proba else (2 if classes == 2 else pairs)
                x = rng.normal(0, 1, (12, features)).astype(np.float32)
                m = model("SVMClassifier", attrs, [tensor_in("X", TP.FLOAT, [None, features])],
                          [tensor_in("Y", TP.STRING if strings else TP.INT64, [None]), tensor_in("Z", TP.FLOAT, [None, width])])
                case(f"svm_classifier_{kernel.lower()}_{classes}c{'_proba' if proba else ''}_{pt.lower()}", m, {"X": x})
    for classes in (2, 3):
        attrs = dict(coefficients=[float(v) for v in rng.normal(0, 1, classes * 3)], rho=[0.3], classlabels_ints=list(range(classes)), kernel_type="LINEAR", kernel_params=[0.0, 0.0, 0.0])
        width = classes
        m = model("SVMClassifier", attrs, [tensor_in("X", TP.FLOAT, [None, 3])], [tensor_in("Y", TP.INT64, [None]), tensor_in("Z", TP.FLOAT, [None, width])])
        case(f"svm_classifier_linear_mode_{classes}c", m, {"X": rng.normal(0, 1, (8, 3)).astype(np.float32)})


# ---------------------------------------------------------------- preprocessing and encoders

def preprocessing(rng):
    x = rng.normal(0, 2, (6, 3)).astype(np.float32)
    x[1] = 0
    for norm in ("MAX", "L1", "L2"):
        m = model("Normalizer", dict(norm=norm), [tensor_in("X", TP.FLOAT, [None, 3])], [tensor_in("Y", TP.FLOAT, [None, 3])])
        case(f"normalizer_{norm.lower()}", m, {"X": x})
    m = model("Normalizer", dict(norm="L2"), [tensor_in("X", TP.INT64, [None, 3])], [tensor_in("Y", TP.FLOAT, [None, 3])])
    case("normalizer_l2_int64", m, {"X": np.round(x).astype(np.int64)})
    m = model("Scaler", dict(offset=[0.5, -1.0, 2.0], scale=[2.0, 0.5, -1.0]), [tensor_in("X", TP.FLOAT, [None, 3])], [tensor_in("Y", TP.FLOAT, [None, 3])])
    case("scaler_per_column", m, {"X": x})
    m = model("Scaler", dict(offset=[0.5], scale=[3.0]), [tensor_in("X", TP.DOUBLE, [None, 3])], [tensor_in("Y", TP.FLOAT, [None, 3])])
    case("scaler_single_double", m, {"X": x.astype(np.float64)})
    m = model("Binarizer", dict(threshold=0.25), [tensor_in("X", TP.FLOAT, [None, 3])], [tensor_in("Y", TP.FLOAT, [None, 3])])
    case("binarizer", m, {"X": np.vstack([x, [[0.25, 0.2500001, -0.0]]]).astype(np.float32)})
    xn = x.copy()
    xn[rng.random(xn.shape) < 0.3] = np.nan
    m = model("Imputer", dict(imputed_value_floats=[1.5, -2.0, 7.0], replaced_value_float=float("nan")), [tensor_in("X", TP.FLOAT, [None, 3])], [tensor_in("Y", TP.FLOAT, [None, 3])])
    case("imputer_nan_per_column", m, {"X": xn})
    m = model("Imputer", dict(imputed_value_floats=[9.0], replaced_value_float=0.0), [tensor_in("X", TP.FLOAT, [None, 3])], [tensor_in("Y", TP.FLOAT, [None, 3])])
    case("imputer_zero_single", m, {"X": x})
    xi = rng.integers(-2, 3, (6, 3)).astype(np.int64)
    m = model("Imputer", dict(imputed_value_int64s=[10, 20, 30], replaced_value_int64=-1), [tensor_in("X", TP.INT64, [None, 3])], [tensor_in("Y", TP.INT64, [None, 3])])
    case("imputer_int64", m, {"X": xi})
    m = model("OneHotEncoder", dict(cats_int64s=[2, -1, 0, 5]), [tensor_in("X", TP.INT64, [None, 3])], [tensor_in("Y", TP.FLOAT, [None, 3, 4])])
    case("one_hot_int64", m, {"X": xi})
    m = model("OneHotEncoder", dict(cats_int64s=[2, -1, 0]), [tensor_in("X", TP.DOUBLE, [None, 2])], [tensor_in("Y", TP.FLOAT, [None, 2, 3])])
    case("one_hot_double_truncates", m, {"X": np.array([[2.7, -1.2], [0.5, -0.5], [5, 2]], dtype=np.float64)})
    xs = np.array([["cat", "dog"], ["fish", "cat"], ["", "dog"]], dtype=object)
    m = model("OneHotEncoder", dict(cats_strings=["cat", "dog", "bird"]), [tensor_in("X", TP.STRING, [None, 2])], [tensor_in("Y", TP.FLOAT, [None, 2, 3])])
    case("one_hot_strings", m, {"X": xs})
    m = model("LabelEncoder", dict(classes_strings=["a", "b", "c"], default_int64=99), [tensor_in("X", TP.STRING, [None])], [tensor_in("Y", TP.INT64, [None])], ml=1)
    case("label_encoder_v1_string_to_int", m, {"X": np.array(["b", "z", "a", "c"], dtype=object)})
    m = model("LabelEncoder", dict(classes_strings=["a", "b", "c"], default_string="?"), [tensor_in("X", TP.INT64, [None])], [tensor_in("Y", TP.STRING, [None])], ml=1)
    case("label_encoder_v1_int_to_string", m, {"X": np.array([2, 0, 7, -1], dtype=np.int64)})
    fx = np.array([1.5, float("nan"), -0.0, 7.0, 2.0], dtype=np.float32)
    for ml in (2, 4):
        m = model("LabelEncoder", dict(keys_floats=[1.5, float("nan"), 0.0, 2.0], values_strings=["x", "nan", "zero", "two"]), [tensor_in("X", TP.FLOAT, [None])], [tensor_in("Y", TP.STRING, [None])], ml=ml)
        case(f"label_encoder_v{ml}_float_to_string", m, {"X": fx})
    m = model("LabelEncoder", dict(keys_strings=["x", "y", "x"], values_int64s=[1, 2, 3], default_int64=-7), [tensor_in("X", TP.STRING, [None])], [tensor_in("Y", TP.INT64, [None])], ml=2)
    case("label_encoder_v2_duplicate_keys", m, {"X": np.array(["x", "y", "q"], dtype=object)})
    m = model("LabelEncoder", dict(keys_int64s=[1, 2], values_floats=[0.5, 1.5]), [tensor_in("X", TP.INT64, [None, 2])], [tensor_in("Y", TP.FLOAT, [None, 2])], ml=2)
    case("label_encoder_v2_int_to_float_default", m, {"X": np.array([[1, 3], [2, 1]], dtype=np.int64)})
    m = model("LabelEncoder", dict(keys_tensor=h.make_tensor("k", TP.DOUBLE, [3], [1.0, float("nan"), 3.0]), values_tensor=h.make_tensor("v", TP.INT64, [3], [10, 20, 30]),
                                   default_tensor=h.make_tensor("d", TP.INT64, [1], [-5])), [tensor_in("X", TP.DOUBLE, [None])], [tensor_in("Y", TP.INT64, [None])], ml=4)
    case("label_encoder_v4_double_tensors", m, {"X": np.array([1.0, float("nan"), 2.0, 3.0], dtype=np.float64)})
    m = model("CategoryMapper", dict(cats_strings=["a", "b"], cats_int64s=[5, 9], default_int64=-1), [tensor_in("X", TP.STRING, [None])], [tensor_in("Y", TP.INT64, [None])], ml=1)
    case("category_mapper_string_to_int", m, {"X": np.array(["b", "a", "c"], dtype=object)})
    m = model("CategoryMapper", dict(cats_strings=["a", "b"], cats_int64s=[5, 9], default_string="none"), [tensor_in("X", TP.INT64, [None])], [tensor_in("Y", TP.STRING, [None])], ml=1)
    case("category_mapper_int_to_string", m, {"X": np.array([9, 5, 0], dtype=np.int64)})
    for dtype, elem in ((np.float32, TP.FLOAT), (np.int64, TP.INT64), (object, TP.STRING)):
        data = np.arange(12).reshape(3, 4)
        data = data.astype(str).astype(object) if dtype is object else data.astype(dtype)
        m = model("ArrayFeatureExtractor", {}, [tensor_in("X", elem, [None, 4]), tensor_in("I", TP.INT64, [None])], [tensor_in("Z", elem, [None, None])])
        case(f"array_feature_extractor_{np.dtype(dtype).name if dtype is not object else 'string'}", m, {"X": data, "I": np.array([3, 0, 0], dtype=np.int64)})
    m = model("ArrayFeatureExtractor", {}, [tensor_in("X", TP.FLOAT, [4]), tensor_in("I", TP.INT64, [1, 2])], [tensor_in("Z", TP.FLOAT, None)])
    case("array_feature_extractor_1d", m, {"X": np.array([1, 2, 3, 4], dtype=np.float32), "I": np.array([[2, 1]], dtype=np.int64)})
    m = model("FeatureVectorizer", dict(inputdimensions=[2, 3, 1]), [tensor_in("A", TP.FLOAT, [None, 2]), tensor_in("B", TP.FLOAT, [None, 1]),
                                                                    tensor_in("C", TP.FLOAT, [None, 3])], [tensor_in("Y", TP.FLOAT, [None, 6])])
    case("feature_vectorizer_pad_and_cut", m, {"A": x[:, :2], "B": x[:, 2:], "C": x.copy()})
    mapin = lambda k, v: h.make_value_info("X", h.make_map_type_proto(k, h.make_tensor_type_proto(v, None)))
    m = model("DictVectorizer", dict(string_vocabulary=["b", "a", "c", "d"]), [mapin(TP.STRING, TP.FLOAT)], [tensor_in("Y", TP.FLOAT, [1, 4])])
    case("dict_vectorizer_strings", m, {"X": {"a": 1.5, "d": -2.0, "zz": 7.0}})
    m = model("DictVectorizer", dict(int64_vocabulary=[9, 3, 5]), [mapin(TP.INT64, TP.FLOAT)], [tensor_in("Y", TP.FLOAT, [1, 3])])
    case("dict_vectorizer_int64", m, {"X": {3: 0.25, 4: 9.0, 9: -1.0}})
    for form, cast, elem in (("DENSE", "TO_FLOAT", TP.FLOAT), ("SPARSE", "TO_FLOAT", TP.FLOAT), ("DENSE", "TO_STRING", TP.STRING),
                             ("SPARSE", "TO_INT64", TP.INT64), ("DENSE", "TO_INT64", TP.INT64)):
        m = model("CastMap", dict(map_form=form, cast_to=cast, max_map=6), [mapin(TP.INT64, TP.FLOAT)], [tensor_in("Y", elem, None)])
        case(f"cast_map_{form.lower()}_{cast.lower()}", m, {"X": {4: 1.5, 1: -2.7, 0: 1234.5678, 2: 1e-7}})
    seq = lambda key: h.make_sequence_type_proto(h.make_map_type_proto(key, h.make_tensor_type_proto(TP.FLOAT, None)))
    probs = rng.random((5, 3)).astype(np.float32)
    m = model("ZipMap", dict(classlabels_int64s=[7, 3, 5]), [tensor_in("X", TP.FLOAT, [None, 3])], [h.make_value_info("Z", seq(TP.INT64))])
    case("zipmap_int64", m, {"X": probs})
    m = model("ZipMap", dict(classlabels_strings=["no", "yes", "maybe"]), [tensor_in("X", TP.FLOAT, [None, 3])], [h.make_value_info("Z", seq(TP.STRING))])
    case("zipmap_strings", m, {"X": probs})


def main():
    reset(ROOT)
    rng = np.random.default_rng(20260521)
    tree_regressors(rng)
    tree_classifiers(rng)
    tree_ensemble_v5(rng)
    linear_models(rng)
    svm_models(rng)
    preprocessing(rng)
    write_index(ROOT, NAMES, "")
    size = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(ROOT) for f in fs)
    print(f"{len(NAMES)} cases, {size / 1e6:.2f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
