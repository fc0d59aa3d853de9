#!/usr/bin/env python3
"""Writes older-opset and exporter-shaped cases, checked against onnxruntime.

ONNX's node cases (make_onnx_node_cases.py) target each operator's newest version. These
cases pin the earlier versions whose semantics differ (attributes that became inputs,
Softmax's 2-D coercion before opset 13, Clip bounds as attributes before 11, legacy
Gemm/BatchNormalization/Dropout forms) plus a skl2onnx MLP. Expected outputs come from
onnxruntime's CPU provider. Layout as ONNX test data:

    Fixtures/onnx-compat/<case>/model.onnx
    Fixtures/onnx-compat/<case>/test_data_set_0/input_<i>.pb, output_<i>.pb

Usage: python3 tools/modelkit/make_compat_cases.py
"""
import os
import shutil

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "ModelKitTests", "Fixtures", "onnx-compat")
rng = np.random.default_rng(7)
F = TensorProto.FLOAT


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def write(name, nodes, inputs, outputs, feeds, opset, initializers=(), ir=7, extra_opsets=()):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(initializers))
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in extra_opsets]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="monolith-compat")
    model.ir_version = ir
    save(name, model, feeds)


def save(name, model, feeds):
    data = model.SerializeToString()
    sess = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    outs = sess.run(None, feeds)
    d = os.path.join(ROOT, name)
    ds = os.path.join(d, "test_data_set_0")
    os.makedirs(ds)
    open(os.path.join(d, "model.onnx"), "wb").write(data)
    for i, inp in enumerate(sess.get_inputs()):
        open(os.path.join(ds, f"input_{i}.pb"), "wb").write(numpy_helper.from_array(feeds[inp.name], inp.name).SerializeToString())
    for i, (out, value) in enumerate(zip(sess.get_outputs(), outs)):
        open(os.path.join(ds, f"output_{i}.pb"), "wb").write(numpy_helper.from_array(np.asarray(value), out.name).SerializeToString())


def r(*shape):
    return rng.normal(size=shape).astype(np.float32)


def main():
    shutil.rmtree(ROOT, ignore_errors=True)
    os.makedirs(ROOT)
    x3 = r(2, 3, 4)
    for op in ("Softmax", "LogSoftmax"):
        for opset in (7, 11):
            for axis in (0, 1, 2):
                write(f"{op.lower()}_opset{opset}_axis{axis}", [helper.make_node(op, ["x"], ["y"], axis=axis)],
                      [vi("x", F, [2, 3, 4])], [vi("y", F, None)], {"x": x3}, opset)
        write(f"{op.lower()}_opset11_default", [helper.make_node(op, ["x"], ["y"])],
              [vi("x", F, [2, 3, 4])], [vi("y", F, None)], {"x": x3}, 11)
    write("clip_opset6_attrs", [helper.make_node("Clip", ["x"], ["y"], min=-0.5, max=0.7)],
          [vi("x", F, [3, 4])], [vi("y", F, [3, 4])], {"x": r(3, 4)}, 6)
    write("clip_opset11_min_only", [helper.make_node("Clip", ["x", "lo"], ["y"])],
          [vi("x", F, [3, 4]), vi("lo", F, [])], [vi("y", F, [3, 4])], {"x": r(3, 4), "lo": np.array(-0.2, np.float32)}, 11)
    write("squeeze_opset11_axes_attr", [helper.make_node("Squeeze", ["x"], ["y"], axes=[0, -1])],
          [vi("x", F, [1, 3, 1])], [vi("y", F, None)], {"x": r(1, 3, 1)}, 11)
    write("unsqueeze_opset11_axes_attr", [helper.make_node("Unsqueeze", ["x"], ["y"], axes=[0, 3])],
          [vi("x", F, [2, 3])], [vi("y", F, None)], {"x": r(2, 3)}, 11)
    x4 = r(2, 3, 4, 2)
    for op in ("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin"):
        for opset in (11, 13) if op != "ReduceSum" else (11,):
            write(f"{op.lower()}_opset{opset}_axes_attr", [helper.make_node(op, ["x"], ["y"], axes=[1, -1], keepdims=0)],
                  [vi("x", F, [2, 3, 4, 2])], [vi("y", F, None)], {"x": x4}, opset)
        write(f"{op.lower()}_opset11_all", [helper.make_node(op, ["x"], ["y"])],
              [vi("x", F, [2, 3, 4, 2])], [vi("y", F, None)], {"x": x4}, 11)
    write("reducesum_opset13_axes_input", [helper.make_node("ReduceSum", ["x", "axes"], ["y"], keepdims=1)],
          [vi("x", F, [2, 3, 4, 2])], [vi("y", F, None)], {"x": x4}, 13,
          initializers=[numpy_helper.from_array(np.array([0, 2], np.int64), "axes")])
    write("slice_opset9_attrs", [helper.make_node("Slice", ["x"], ["y"], starts=[1, 0], ends=[3, -1], axes=[0, 2])],
          [vi("x", F, [4, 3, 5])], [vi("y", F, None)], {"x": r(4, 3, 5)}, 9)
    write("slice_opset10_inputs", [helper.make_node("Slice", ["x", "s", "e", "a", "st"], ["y"])],
          [vi("x", F, [4, 3, 5])], [vi("y", F, None)], {"x": r(4, 3, 5)}, 10,
          initializers=[numpy_helper.from_array(np.array(v, np.int64), n) for n, v in
                        (("s", [-1, 4]), ("e", [-5, 0]), ("a", [0, 2]), ("st", [-2, -1]))])
    write("gemm_opset7_bias_vector", [helper.make_node("Gemm", ["a", "b", "c"], ["y"], alpha=0.5, beta=2.0, transB=1)],
          [vi("a", F, [3, 4]), vi("b", F, [5, 4]), vi("c", F, [5])], [vi("y", F, None)],
          {"a": r(3, 4), "b": r(5, 4), "c": r(5)}, 7)
    write("gemm_opset9_transA", [helper.make_node("Gemm", ["a", "b", "c"], ["y"], transA=1)],
          [vi("a", F, [4, 3]), vi("b", F, [4, 6]), vi("c", F, [3, 1])], [vi("y", F, None)],
          {"a": r(4, 3), "b": r(4, 6), "c": r(3, 1)}, 9)
    write("gemm_opset13_constant_weights", [helper.make_node("Gemm", ["a", "w", "bias"], ["y"], transB=1)],
          [vi("a", F, ["N", 37])], [vi("y", F, ["N", 19])], {"a": r(23, 37)}, 13,
          initializers=[numpy_helper.from_array(r(19, 37), "w"), numpy_helper.from_array(r(19), "bias")])
    write("matmul_opset13_large_k", [helper.make_node("MatMul", ["a", "w"], ["y"])],
          [vi("a", F, ["N", 300])], [vi("y", F, ["N", 17])], {"a": r(13, 300)}, 13,
          initializers=[numpy_helper.from_array(r(300, 17), "w")])
    write("matmul_opset13_batched_broadcast", [helper.make_node("MatMul", ["a", "b"], ["y"])],
          [vi("a", F, [2, 1, 7, 5]), vi("b", F, [3, 5, 9])], [vi("y", F, None)], {"a": r(2, 1, 7, 5), "b": r(3, 5, 9)}, 13)
    for opset in (7, 9):
        write(f"batchnorm_opset{opset}", [helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], epsilon=1e-3)],
              [vi("x", F, [2, 3, 4])], [vi("y", F, None)], {"x": r(2, 3, 4)}, opset,
              initializers=[numpy_helper.from_array(a, n) for n, a in
                            (("s", r(3)), ("b", r(3)), ("m", r(3)), ("v", np.abs(r(3)) + 0.1))])
    write("dropout_opset7", [helper.make_node("Dropout", ["x"], ["y"], ratio=0.3)],
          [vi("x", F, [3, 4])], [vi("y", F, [3, 4])], {"x": r(3, 4)}, 7)
    write("dropout_opset12_mask", [helper.make_node("Dropout", ["x"], ["y", "mask"])],
          [vi("x", F, [3, 4])], [vi("y", F, [3, 4]), vi("mask", TensorProto.BOOL, [3, 4])], {"x": r(3, 4)}, 12)
    write("concat_opset4", [helper.make_node("Concat", ["a", "b"], ["y"], axis=1)],
          [vi("a", F, [2, 3]), vi("b", F, [2, 1])], [vi("y", F, None)], {"a": r(2, 3), "b": r(2, 1)}, 4)
    write("argmax_opset11", [helper.make_node("ArgMax", ["x"], ["y"], axis=-1, keepdims=0)],
          [vi("x", F, [3, 5])], [vi("y", TensorProto.INT64, None)], {"x": r(3, 5)}, 11)
    write("pow_opset7", [helper.make_node("Pow", ["x", "y"], ["z"])],
          [vi("x", F, [3, 4]), vi("y", F, [4])], [vi("z", F, None)], {"x": np.abs(r(3, 4)), "y": r(4)}, 7)
    write("cast_opset6_double_to_int", [helper.make_node("Cast", ["x"], ["y"], to=TensorProto.INT32)],
          [vi("x", TensorProto.DOUBLE, [6])], [vi("y", TensorProto.INT32, [6])],
          {"x": np.array([-2.7, -0.5, 0, 0.5, 2.7, 1e3])}, 6)
    write("reshape_shape_from_shape_op", [
        helper.make_node("Shape", ["x"], ["s"]),
        helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
        helper.make_node("Unsqueeze", ["n", "axes"], ["n1"]),
        helper.make_node("Concat", ["n1", "minus1"], ["target"], axis=0),
        helper.make_node("Reshape", ["x", "target"], ["y"])],
        [vi("x", F, ["N", 3, 4])], [vi("y", F, None)], {"x": r(5, 3, 4)}, 13,
        initializers=[numpy_helper.from_array(np.array(0, np.int64), "zero"),
                      numpy_helper.from_array(np.array([0], np.int64), "axes"),
                      numpy_helper.from_array(np.array([-1], np.int64), "minus1")])
    write("where_float_broadcast", [helper.make_node("Greater", ["x", "t"], ["c"]), helper.make_node("Where", ["c", "x", "z"], ["y"])],
          [vi("x", F, [4, 5]), vi("z", F, [5])], [vi("y", F, None)], {"x": r(4, 5), "z": r(5)}, 16,
          initializers=[numpy_helper.from_array(np.array(0.1, np.float32), "t")])
    mlp()


def mlp():
    """An sklearn MLPRegressor exported by skl2onnx: Cast, MatMul, Add, Relu, Reshape."""
    from sklearn.neural_network import MLPRegressor
    from skl2onnx import to_onnx
    X = r(300, 8)
    y = X @ rng.normal(size=8) + np.sin(X[:, 0])
    model = MLPRegressor(hidden_layer_sizes=(64, 64), max_iter=200, random_state=0).fit(X, y)
    onx = to_onnx(model, X[:1], target_opset={"": 17, "ai.onnx.ml": 3})
    save("skl2onnx_mlp_regressor", onx, {"X": r(16, 8)})


if __name__ == "__main__":
    import warnings
    warnings.simplefilter("ignore")
    main()
