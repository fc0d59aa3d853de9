"""Writes the small ONNX models the MonolithTests (Swift) and Tests/clients (Python) use.

    python3 Tests/clients/models/make_fixtures.py

identity_types.onnx  one input per V2 datatype, x_<type> [batch, 2] -> Identity -> y_<type>
affine.onnx          input FP32 [N, 3] -> output = input @ W + b, FP32 [N, 1]
two_inputs.onnx      a, b FP32 [N, 2] -> sum = a + b, product = a * b
linear8.onnx         input FP32 [N, 8] -> variable = input @ W + b, FP32 [N, 1] (the shape of the
                     OpenAPI examples: schemathesis serves it as "my_model")
mlp.onnx             scikit-learn MLPRegressor(8, 8) on make_regression(200, 4, random_state=0),
                     input "input" FP32 [None, 4] (MatMul/Add/Relu)
Deterministic: fixed weights and random_state=0.
"""

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper

HERE = Path(__file__).resolve().parent
OPSET = [helper.make_opsetid("", 13)]

TYPES = {
    "bool": TensorProto.BOOL, "uint8": TensorProto.UINT8, "uint16": TensorProto.UINT16,
    "uint32": TensorProto.UINT32, "uint64": TensorProto.UINT64, "int8": TensorProto.INT8,
    "int16": TensorProto.INT16, "int32": TensorProto.INT32, "int64": TensorProto.INT64,
    "fp16": TensorProto.FLOAT16, "fp32": TensorProto.FLOAT, "fp64": TensorProto.DOUBLE,
    "bytes": TensorProto.STRING,
}


def save(model, name):
    model.ir_version = 8
    onnx.checker.check_model(model)
    (HERE / name).write_bytes(model.SerializeToString())


def identity_types():
    inputs, outputs, nodes = [], [], []
    for suffix, elem in TYPES.items():
        inputs.append(helper.make_tensor_value_info(f"x_{suffix}", elem, ["batch", 2]))
        outputs.append(helper.make_tensor_value_info(f"y_{suffix}", elem, ["batch", 2]))
        nodes.append(helper.make_node("Identity", [f"x_{suffix}"], [f"y_{suffix}"], name=f"id_{suffix}"))
    graph = helper.make_graph(nodes, "identity_types", inputs, outputs)
    save(helper.make_model(graph, opset_imports=OPSET, producer_name="monolith-fixtures"), "identity_types.onnx")


def affine():
    w = helper.make_tensor("W", TensorProto.FLOAT, [3, 1], [0.5, -1.0, 2.0])
    b = helper.make_tensor("b", TensorProto.FLOAT, [1], [0.25])
    nodes = [helper.make_node("MatMul", ["input", "W"], ["xw"]), helper.make_node("Add", ["xw", "b"], ["output"])]
    graph = helper.make_graph(
        nodes, "affine",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 1])],
        initializer=[w, b])
    save(helper.make_model(graph, opset_imports=OPSET, producer_name="monolith-fixtures"), "affine.onnx")


def two_inputs():
    nodes = [helper.make_node("Add", ["a", "b"], ["sum"]), helper.make_node("Mul", ["a", "b"], ["product"])]
    graph = helper.make_graph(
        nodes, "two_inputs",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["N", 2]) for n in ("a", "b")],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["N", 2]) for n in ("sum", "product")])
    save(helper.make_model(graph, opset_imports=OPSET, producer_name="monolith-fixtures"), "two_inputs.onnx")


def linear8():
    w = helper.make_tensor("W", TensorProto.FLOAT, [8, 1], [0.5, -1.0, 2.0, 0.25, -0.5, 1.5, 0.0, 3.0])
    b = helper.make_tensor("b", TensorProto.FLOAT, [1], [1.0])
    nodes = [helper.make_node("MatMul", ["input", "W"], ["xw"]), helper.make_node("Add", ["xw", "b"], ["variable"])]
    graph = helper.make_graph(
        nodes, "linear8",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 8])],
        [helper.make_tensor_value_info("variable", TensorProto.FLOAT, ["N", 1])],
        initializer=[w, b])
    save(helper.make_model(graph, opset_imports=OPSET, producer_name="monolith-fixtures"), "linear8.onnx")


def mlp():
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.datasets import make_regression
    from sklearn.neural_network import MLPRegressor
    import warnings
    X, y = make_regression(n_samples=200, n_features=4, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = MLPRegressor(hidden_layer_sizes=(8, 8), max_iter=200, random_state=0).fit(X, y)
    proto = convert_sklearn(est, name="mlp", initial_types=[("input", FloatTensorType([None, 4]))], target_opset=13)
    (HERE / "mlp.onnx").write_bytes(proto.SerializeToString())


if __name__ == "__main__":
    identity_types()
    affine()
    two_inputs()
    linear8()
    mlp()
