#!/usr/bin/env python3
"""Writes hostile ai.onnx.ml models ModelKit must refuse with a typed error, never a crash.

    Tests/ModelKitTests/Fixtures/broken-ml-models/<name>.onnx
    Tests/ModelKitTests/Fixtures/broken-ml-models/<name>.input_<i>.pb   (feeds, for run-time cases)
    Tests/ModelKitTests/Fixtures/broken-ml-models/EXPECTED.txt   name<TAB>kind<TAB>message substring

A case without feeds must fail to load with `kind` (a ModelError.Kind); a case with feeds must
load and then fail `Session.run` with `kind` (the model is only wrong for that input, e.g. a
tree reading a feature beyond the input's width). Same format as make_broken_models.py.

Usage: python3 tools/modelkit/make_broken_ml_models.py
"""
import os
import shutil

import numpy as np
from onnx import TensorProto as TP
from onnx import helper as h
from onnx import numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "ModelKitTests", "Fixtures", "broken-ml-models")
expected = []


def model(op, attrs, inputs, outputs, ml=3):
    node = h.make_node(op, [i.name for i in inputs], [o.name for o in outputs], name="n", domain="ai.onnx.ml", **attrs)
    g = h.make_graph([node], "g", inputs, outputs)
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 17), h.make_opsetid("ai.onnx.ml", ml)], producer_name="broken")
    m.ir_version = 8
    return m


def emit(name, m, kind, substring, feeds=None):
    with open(os.path.join(OUT, name + ".onnx"), "wb") as f:
        f.write(m.SerializeToString())
    for i, (input_name, value) in enumerate((feeds or {}).items()):
        with open(os.path.join(OUT, f"{name}.input_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(np.asarray(value), input_name).SerializeToString())
    expected.append((name + ".onnx", kind, substring))


def vi(name, elem, shape):
    return h.make_tensor_value_info(name, elem, shape)


X3 = [vi("X", TP.FLOAT, [None, 3])]
XU = [vi("X", TP.FLOAT, [None, None])]
Y1 = [vi("Y", TP.FLOAT, [None, 1])]
LZ = [vi("label", TP.INT64, [None]), vi("Z", TP.FLOAT, None)]


def tree(**over):
    """A valid one-tree regressor (root f0 <= 0.5 -> leaf 1 / leaf 2), with overrides."""
    a = dict(nodes_treeids=[0, 0, 0], nodes_nodeids=[0, 1, 2], nodes_featureids=[0, 0, 0], nodes_values=[0.5, 0, 0],
             nodes_modes=["BRANCH_LEQ", "LEAF", "LEAF"], nodes_truenodeids=[1, 0, 0], nodes_falsenodeids=[2, 0, 0],
             target_treeids=[0, 0], target_nodeids=[1, 2], target_ids=[0, 0], target_weights=[1.0, 2.0], n_targets=1)
    a.update(over)
    return {k: v for k, v in a.items() if v is not None}


def tree_classifier(**over):
    a = dict(nodes_treeids=[0, 0, 0], nodes_nodeids=[0, 1, 2], nodes_featureids=[0, 0, 0], nodes_values=[0.5, 0, 0],
             nodes_modes=["BRANCH_LEQ", "LEAF", "LEAF"], nodes_truenodeids=[1, 0, 0], nodes_falsenodeids=[2, 0, 0],
             class_treeids=[0, 0], class_nodeids=[1, 2], class_ids=[0, 1], class_weights=[1.0, 2.0], classlabels_int64s=[3, 4])
    a.update(over)
    return {k: v for k, v in a.items() if v is not None}


def v5(**over):
    a = dict(nodes_featureids=[0, 1], nodes_splits=h.make_tensor("s", TP.FLOAT, [2], [0.5, 1.5]),
             nodes_modes=h.make_tensor("m", TP.UINT8, [2], [0, 0]), nodes_truenodeids=[1, 0], nodes_falsenodeids=[1, 2],
             nodes_trueleafs=[0, 1], nodes_falseleafs=[1, 1], leaf_targetids=[0, 0, 0],
             leaf_weights=h.make_tensor("w", TP.FLOAT, [3], [1.0, 2.0, 3.0]), tree_roots=[0], n_targets=1)
    a.update(over)
    return {k: v for k, v in a.items() if v is not None}


def svc(**over):
    a = dict(kernel_type="RBF", kernel_params=[0.5, 0.0, 3.0], vectors_per_class=[2, 1], support_vectors=[0.0] * 9,
             coefficients=[1.0, -1.0, 0.5], rho=[0.1], classlabels_ints=[0, 1])
    a.update(over)
    return {k: v for k, v in a.items() if v is not None}


def trees():
    R = "TreeEnsembleRegressor"
    emit("tree-child-id-out-of-range", model(R, tree(nodes_truenodeids=[7, 0, 0]), X3, Y1), "invalidModel", "not a node of that tree")
    emit("tree-cycle", model(R, tree(nodes_modes=["BRANCH_LEQ", "BRANCH_LEQ", "LEAF"], nodes_truenodeids=[1, 0, 0],
                                      nodes_falsenodeids=[2, 2, 0]), X3, Y1), "invalidModel", "cycle")
    emit("tree-self-loop", model(R, tree(nodes_falsenodeids=[0, 0, 0]), X3, Y1), "invalidModel", "points to itself")
    emit("tree-lengths-mismatch", model(R, tree(nodes_featureids=[0, 0]), X3, Y1), "invalidModel", "nodes_featureids")
    emit("tree-values-length-mismatch", model(R, tree(nodes_values=[0.5]), X3, Y1), "invalidModel", "nodes_values")
    emit("tree-duplicate-node", model(R, tree(nodes_nodeids=[0, 1, 1]), X3, Y1), "invalidModel", "twice")
    emit("tree-target-id-out-of-range", model(R, tree(target_ids=[0, 5]), X3, Y1), "invalidModel", "outside [0, 1)")
    emit("tree-weight-on-missing-node", model(R, tree(target_nodeids=[1, 9]), X3, Y1), "invalidModel", "does not exist")
    emit("tree-weights-length-mismatch", model(R, tree(target_weights=[1.0]), X3, Y1), "invalidModel", "target_weights")
    emit("tree-absurd-n-targets", model(R, tree(n_targets=1 << 40), X3, Y1), "limitExceeded", "n_targets")
    emit("tree-zero-n-targets", model(R, tree(n_targets=0), X3, Y1), "invalidModel", "n_targets")
    emit("tree-negative-feature", model(R, tree(nodes_featureids=[-1, 0, 0]), XU, Y1), "invalidModel", "feature -1")
    emit("tree-huge-feature", model(R, tree(nodes_featureids=[1 << 40, 0, 0]), XU, Y1), "invalidModel", "outside")
    emit("tree-feature-beyond-declared-width", model(R, tree(nodes_featureids=[3, 0, 0]), X3, Y1), "invalidModel", "reads feature 3")
    emit("tree-feature-beyond-input", model(R, tree(nodes_featureids=[7, 0, 0]), XU, Y1), "runtime", "reads feature 7",
         {"X": np.zeros((2, 3), np.float32)})
    emit("tree-rank3-input", model(R, tree(), [vi("X", TP.FLOAT, [None, None, None])], Y1), "invalidModel", "2-D")
    emit("tree-bad-mode", model(R, tree(nodes_modes=["BRANCH_SOMETIMES", "LEAF", "LEAF"]), X3, Y1), "invalidModel", "nodes_modes")
    emit("tree-bad-aggregate", model(R, tree(aggregate_function="MEDIAN"), X3, Y1), "invalidModel", "aggregate_function")
    emit("tree-bad-post-transform", model(R, tree(post_transform="TANH"), X3, Y1), "invalidModel", "post_transform")
    emit("tree-base-values-length", model(R, tree(base_values=[1.0, 2.0]), X3, Y1), "invalidModel", "base_values")
    emit("tree-wrong-attribute-type", model(R, tree(nodes_treeids=[0.0, 0.0, 0.0]), X3, Y1), "invalidModel", "must be INTS")
    emit("tree-deprecated-in-ml5", model(R, tree(), X3, Y1, ml=5), "invalidModel", "deprecated")
    emit("tree-string-input", model(R, tree(), [vi("X", TP.STRING, [None, 3])], Y1), "invalidModel", "input X has type string")
    C = "TreeEnsembleClassifier"
    emit("tree-class-id-out-of-range", model(C, tree_classifier(class_ids=[0, 2]), X3, LZ), "invalidModel", "outside [0, 2)")
    emit("tree-classifier-no-labels", model(C, tree_classifier(classlabels_int64s=None), X3, LZ), "invalidModel", "class labels")
    emit("tree-classifier-both-labels", model(C, tree_classifier(classlabels_strings=["a", "b"]), X3, LZ), "invalidModel", "both set")
    emit("tree-classifier-base-values", model(C, tree_classifier(base_values=[1.0, 2.0, 3.0]), X3, LZ), "invalidModel", "base_values")
    E = "TreeEnsemble"
    Yv = [vi("Y", TP.FLOAT, [None, 1])]
    emit("tree5-leaf-out-of-range", model(E, v5(nodes_falsenodeids=[1, 9]), X3, Yv, ml=5), "invalidModel", "false leaf 9")
    emit("tree5-node-out-of-range", model(E, v5(nodes_truenodeids=[5, 0]), X3, Yv, ml=5), "invalidModel", "true node 5")
    emit("tree5-cycle", model(E, v5(nodes_truenodeids=[1, 0], nodes_trueleafs=[0, 0]), X3, Yv, ml=5), "invalidModel", "cycle")
    emit("tree5-root-out-of-range", model(E, v5(tree_roots=[2]), X3, Yv, ml=5), "invalidModel", "tree root 2")
    emit("tree5-bad-mode", model(E, v5(nodes_modes=h.make_tensor("m", TP.UINT8, [2], [0, 9])), X3, Yv, ml=5), "invalidModel", "nodes_modes")
    emit("tree5-modes-not-uint8", model(E, v5(nodes_modes=h.make_tensor("m", TP.INT32, [2], [0, 0])), X3, Yv, ml=5), "invalidModel", "uint8")
    emit("tree5-members-missing", model(E, v5(nodes_modes=h.make_tensor("m", TP.UINT8, [2], [6, 0])), X3, Yv, ml=5), "invalidModel", "membership_values")
    emit("tree5-members-empty-set", model(E, v5(nodes_modes=h.make_tensor("m", TP.UINT8, [2], [6, 0]),
                                                 membership_values=h.make_tensor("mv", TP.FLOAT, [1], [float("nan")])), X3, Yv, ml=5),
         "invalidModel", "at least one")
    emit("tree5-split-type-mismatch", model(E, v5(), [vi("X", TP.DOUBLE, [None, 3])], [vi("Y", TP.DOUBLE, [None, 1])], ml=5),
         "invalidModel", "nodes_splits")
    emit("tree5-target-out-of-range", model(E, v5(leaf_targetids=[0, 0, 3]), X3, Yv, ml=5), "invalidModel", "target id 3")
    emit("tree5-weights-length", model(E, v5(leaf_weights=h.make_tensor("w", TP.FLOAT, [2], [1.0, 2.0])), X3, Yv, ml=5), "invalidModel", "leaf_weights")
    emit("tree5-no-roots", model(E, v5(tree_roots=None), X3, Yv, ml=5), "invalidModel", "tree_roots")


def svms():
    S = "SVMClassifier"
    emit("svm-vectors-not-multiple", model(S, svc(support_vectors=[0.0] * 8), X3, LZ), "invalidModel", "support_vectors")
    emit("svm-coefficients-count", model(S, svc(coefficients=[1.0, 2.0]), X3, LZ), "invalidModel", "coefficients")
    emit("svm-rho-count", model(S, svc(rho=[0.1, 0.2]), X3, LZ), "invalidModel", "rho")
    emit("svm-prob-lengths", model(S, svc(prob_a=[1.0]), X3, LZ), "invalidModel", "prob_a")
    emit("svm-prob-count", model(S, svc(prob_a=[1.0, 2.0], prob_b=[1.0, 2.0]), X3, LZ), "invalidModel", "prob_a")
    emit("svm-vectors-per-class-count", model(S, svc(vectors_per_class=[1, 1, 1]), X3, LZ), "invalidModel", "vectors_per_class")
    emit("svm-negative-vectors-per-class", model(S, svc(vectors_per_class=[-2, 5]), X3, LZ), "invalidModel", "vectors_per_class")
    emit("svm-absurd-vectors-per-class", model(S, svc(vectors_per_class=[1 << 62, 1 << 62]), X3, LZ), "invalidModel", "vectors_per_class")
    emit("svm-kernel-params", model(S, svc(kernel_params=[0.5, 0.1]), X3, LZ), "invalidModel", "kernel_params")
    emit("svm-bad-kernel", model(S, svc(kernel_type="WAVELET"), X3, LZ), "invalidModel", "kernel_type")
    emit("svm-width-declared", model(S, svc(), [vi("X", TP.FLOAT, [None, 4])], LZ), "invalidModel", "expects 3")
    emit("svm-width-at-run", model(S, svc(), XU, LZ), "runtime", "expects 3", {"X": np.zeros((1, 5), np.float32)})
    emit("svm-regressor-vectors", model("SVMRegressor", dict(n_supports=2, support_vectors=[0.0] * 5, coefficients=[1.0, 2.0], rho=[0.0]), X3, Y1),
         "invalidModel", "n_supports")
    emit("svm-regressor-no-rho", model("SVMRegressor", dict(coefficients=[1.0, 2.0, 3.0]), X3, Y1), "invalidModel", "rho")


def others():
    emit("linear-classifier-no-intercepts", model("LinearClassifier", dict(coefficients=[1.0] * 6, classlabels_ints=[0, 1]), X3, LZ),
         "invalidModel", "intercepts")
    emit("linear-classifier-coefficients", model("LinearClassifier", dict(coefficients=[1.0] * 5, intercepts=[0.0, 0.0], classlabels_ints=[0, 1]), X3, LZ),
         "invalidModel", "coefficients")
    emit("linear-classifier-one-class-labels", model("LinearClassifier", dict(coefficients=[1.0] * 3, intercepts=[0.0], classlabels_ints=[0, 1, 2]), X3, LZ),
         "invalidModel", "two class labels")
    emit("linear-classifier-width", model("LinearClassifier", dict(coefficients=[1.0] * 6, intercepts=[0.0, 0.0], classlabels_ints=[0, 1]), XU, LZ),
         "runtime", "do not weigh 2 features", {"X": np.zeros((1, 2), np.float32)})
    emit("linear-regressor-width", model("LinearRegressor", dict(coefficients=[1.0] * 3), XU, Y1), "runtime", "cannot weigh 4 features",
         {"X": np.zeros((1, 4), np.float32)})
    emit("linear-regressor-intercepts", model("LinearRegressor", dict(coefficients=[1.0] * 3, intercepts=[1.0, 2.0]), X3, Y1), "invalidModel", "intercepts")
    Zs = [h.make_value_info("Z", h.make_sequence_type_proto(h.make_map_type_proto(TP.INT64, h.make_tensor_type_proto(TP.FLOAT, None))))]
    emit("zipmap-label-count-declared", model("ZipMap", dict(classlabels_int64s=[1, 2]), X3, Zs), "invalidModel", "3 columns")
    emit("zipmap-label-count-at-run", model("ZipMap", dict(classlabels_int64s=[1, 2]), XU, Zs), "runtime", "4 columns",
         {"X": np.zeros((1, 4), np.float32)})
    S1 = [vi("Y", TP.INT64, [None])]
    emit("label-encoder-lengths", model("LabelEncoder", dict(keys_strings=["a", "b"], values_int64s=[1]), [vi("X", TP.STRING, [None])], S1, ml=2),
         "invalidModel", "has 2 entries")
    emit("label-encoder-no-keys", model("LabelEncoder", dict(values_int64s=[1]), [vi("X", TP.STRING, [None])], S1, ml=2), "invalidModel", "keys")
    emit("label-encoder-default-type", model("LabelEncoder", dict(keys_strings=["a"], values_int64s=[1], default_tensor=h.make_tensor("d", TP.FLOAT, [1], [1.0])),
                                             [vi("X", TP.STRING, [None])], S1, ml=4), "invalidModel", "default_tensor")
    emit("label-encoder-input-type", model("LabelEncoder", dict(keys_strings=["a"], values_int64s=[1]), [vi("X", TP.INT64, [None])], S1, ml=2),
         "invalidModel", "keys are string")
    O = [vi("Y", TP.FLOAT, None)]
    emit("one-hot-both-categories", model("OneHotEncoder", dict(cats_int64s=[1], cats_strings=["a"]), [vi("X", TP.INT64, [None])], O), "invalidModel", "exactly one")
    emit("one-hot-unknown-with-zeros-0", model("OneHotEncoder", dict(cats_int64s=[1, 2], zeros=0), [vi("X", TP.INT64, [None])], O), "runtime", "not one of the categories",
         {"X": np.array([1, 5], np.int64)})
    emit("imputer-no-values", model("Imputer", dict(replaced_value_float=0.0), X3, [vi("Y", TP.FLOAT, [None, 3])]), "invalidModel", "imputed_value")
    emit("imputer-type-mismatch", model("Imputer", dict(imputed_value_int64s=[1]), X3, [vi("Y", TP.FLOAT, [None, 3])]), "invalidModel", "imputed_value_floats")
    emit("array-feature-extractor-index", model("ArrayFeatureExtractor", {}, [vi("X", TP.FLOAT, [None, 3]), vi("I", TP.INT64, [None])], [vi("Z", TP.FLOAT, None)]),
         "runtime", "index 3", {"X": np.zeros((2, 3), np.float32), "I": np.array([0, 3], np.int64)})
    emit("array-feature-extractor-negative", model("ArrayFeatureExtractor", {}, [vi("X", TP.FLOAT, [None, 3]), vi("I", TP.INT64, [None])], [vi("Z", TP.FLOAT, None)]),
         "runtime", "index -1", {"X": np.zeros((2, 3), np.float32), "I": np.array([-1], np.int64)})
    emit("scaler-empty-scale", model("Scaler", dict(offset=[1.0]), X3, [vi("Y", TP.FLOAT, [None, 3])]), "invalidModel", "scale")
    emit("scaler-length", model("Scaler", dict(offset=[1.0, 2.0], scale=[1.0]), X3, [vi("Y", TP.FLOAT, [None, 3])]), "invalidModel", "offset")
    emit("normalizer-bad-norm", model("Normalizer", dict(norm="L7"), X3, [vi("Y", TP.FLOAT, [None, 3])]), "invalidModel", "norm")
    emit("normalizer-rank3", model("Normalizer", dict(norm="L1"), [vi("X", TP.FLOAT, [1, 2, 3])], [vi("Y", TP.FLOAT, None)]), "invalidModel", "2-D")
    emit("binarizer-nan", model("Binarizer", dict(threshold=0.5), X3, [vi("Y", TP.FLOAT, [None, 3])]), "runtime", "NaN",
         {"X": np.array([[0.0, float("nan"), 1.0]], np.float32)})


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    trees()
    svms()
    others()
    with open(os.path.join(OUT, "EXPECTED.txt"), "w") as f:
        f.write("# Hostile ai.onnx.ml models: name, ModelError kind, message substring (tools/modelkit/make_broken_ml_models.py).\n")
        for name, kind, sub in expected:
            f.write(f"{name}\t{kind}\t{sub}\n")
    print(f"{len(expected)} broken ML models")


if __name__ == "__main__":
    main()
