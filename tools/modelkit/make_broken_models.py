#!/usr/bin/env python3
"""Writes the corpus of broken ONNX models ModelKit must reject with a typed error.

    Tests/ModelKitTests/Fixtures/broken-models/<name>.onnx
    Tests/ModelKitTests/Fixtures/broken-models/EXPECTED.txt   name<TAB>kind<TAB>message substring

`kind` is a ModelError.Kind (malformed, unsupported, invalidModel, unknownOperator,
limitExceeded), or `any` for blind mutations (truncations, byte flips) that may happen to
stay valid: those must load or fail with a ModelError, never crash.

Usage: python3 tools/modelkit/make_broken_models.py
"""
import os
import random
import shutil

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "ModelKitTests", "Fixtures", "broken-models")
F = TensorProto.FLOAT
expected = []


def emit(name, data, kind, substring=""):
    with open(os.path.join(OUT, name + ".onnx"), "wb") as f:
        f.write(data)
    expected.append((name + ".onnx", kind, substring))


def model(nodes, inputs, outputs, inits=(), opset=17, extra=None, value_info=()):
    g = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits), value_info=list(value_info))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)] + (extra or []), producer_name="broken")
    m.ir_version = 8
    return m


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def base():
    rng = np.random.default_rng(3)
    return model(
        [helper.make_node("Gemm", ["x", "w", "b"], ["h"], name="fc", transB=1),
         helper.make_node("Relu", ["h"], ["r"], name="act"),
         helper.make_node("Softmax", ["r"], ["y"], name="softmax", axis=-1)],
        [vi("x", F, ["N", 4])], [vi("y", F, ["N", 3])],
        [numpy_helper.from_array(rng.normal(size=(3, 4)).astype(np.float32), "w"),
         numpy_helper.from_array(rng.normal(size=(3,)).astype(np.float32), "b")])


def varint(n):
    out = bytearray()
    n &= (1 << 64) - 1
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def field(number, wire, payload):
    key = varint(number << 3 | wire)
    if wire == 2:
        return key + varint(len(payload)) + payload
    return key + payload


def opset(version=17):
    return field(8, 2, field(1, 2, b"") + field(2, 0, varint(version)))


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    good = base().SerializeToString()

    # Wire-level damage.
    emit("empty", b"", "malformed", "empty")
    emit("varint-11-bytes", field(1, 0, b"\x80" * 10 + b"\x01"), "malformed", "varint")
    emit("varint-overflow", field(1, 0, b"\xff" * 9 + b"\x7f"), "malformed", "varint overflows")
    emit("varint-truncated", b"\x08\x80\x80", "malformed", "truncated varint")
    emit("length-beyond-end", opset() + varint(7 << 3 | 2) + varint(1 << 40) + b"\x0a\x00", "malformed", "exceeds")
    emit("field-number-zero", varint(0 << 3 | 0) + varint(1), "malformed", "invalid field number")
    emit("wire-type-6", varint(1 << 3 | 6) + b"\x00", "malformed", "invalid wire type")
    emit("graph-as-varint", opset() + field(7, 0, varint(5)), "malformed", "graph has wire type varint")
    emit("ir-version-as-bytes", field(1, 2, b"abc") + opset(), "malformed", "ir_version has wire type")
    emit("node-name-as-fixed32", opset() + field(7, 2, field(1, 2, field(3, 5, b"\x00\x00\x00\x00"))), "malformed", "name has wire type fixed32")
    emit("unterminated-group", opset() + varint(99 << 3 | 3) + field(1, 0, varint(1)), "malformed", "truncated group")
    emit("mismatched-end-group", opset() + varint(99 << 3 | 3) + varint(98 << 3 | 4), "malformed", "does not close")
    emit("stray-end-group", opset() + varint(50 << 3 | 4), "malformed", "unexpected end-group")
    emit("packed-floats-odd-length", opset() + field(7, 2, field(5, 2, field(1, 0, varint(1)) + field(2, 0, varint(1)) + field(4, 2, b"\x00\x00\x00"))),
         "malformed", "not a multiple of 4")
    deep = field(1, 0, varint(1))
    for _ in range(40):
        deep = field(4, 2, field(1, 2, deep))
    emit("nesting-too-deep", opset() + field(7, 2, field(11, 2, field(1, 2, b"x") + field(2, 2, deep))), "malformed", "nested deeper")

    # Sizes.
    huge = model([helper.make_node("Identity", ["w"], ["y"])], [], [vi("y", F, None)])
    t = huge.graph.initializer.add()
    t.name, t.data_type = "w", F
    t.dims.extend([1 << 40, 1 << 40])
    emit("initializer-absurd-dims", huge.SerializeToString(), "limitExceeded", "elements")
    t.ClearField("dims")
    t.dims.extend([1 << 62, 4])
    emit("initializer-dims-overflow", huge.SerializeToString(), "limitExceeded", "elements")
    t.ClearField("dims")
    t.dims.extend([0, 1 << 40, 1 << 40])
    emit("initializer-empty-but-huge-dims", huge.SerializeToString(), "limitExceeded", "elements")
    t.ClearField("dims")
    t.dims.extend([2, -3])
    emit("initializer-negative-dim", huge.SerializeToString(), "invalidModel", "negative dimension")
    t.ClearField("dims")
    t.dims.extend([4])
    t.raw_data = b"\x00" * 12
    emit("raw-data-short", huge.SerializeToString(), "malformed", "raw_data holds 12 bytes")
    t.ClearField("raw_data")
    t.float_data.extend([1.0, 2.0])
    emit("float-data-count", huge.SerializeToString(), "malformed", "float_data holds 2 values")
    t.ClearField("dims")
    t.dims.extend([1] * 20)
    emit("initializer-rank-20", huge.SerializeToString(), "limitExceeded", "dimensions")
    many = model([helper.make_node("Identity", ["x"], ["y"])], [vi("x", F, [1] * 20)], [vi("y", F, None)])
    emit("declared-rank-20", many.SerializeToString(), "limitExceeded", "more than 16 dimensions")

    # Graph structure.
    emit("no-graph", field(1, 0, varint(8)) + opset(), "invalidModel", "no graph")
    emit("cycle", model([helper.make_node("Relu", ["b"], ["a"], name="n1"), helper.make_node("Relu", ["a"], ["b"], name="n2"),
                         helper.make_node("Add", ["x", "b"], ["y"], name="n3")],
                        [vi("x", F, [2])], [vi("y", F, [2])]).SerializeToString(), "invalidModel", "cycle")
    emit("self-loop", model([helper.make_node("Relu", ["a"], ["a"], name="loop"), helper.make_node("Identity", ["a"], ["y"])],
                            [], [vi("y", F, [2])]).SerializeToString(), "invalidModel", "cycle")
    emit("dangling-input", model([helper.make_node("Add", ["x", "ghost"], ["y"], name="add")],
                                 [vi("x", F, [2])], [vi("y", F, [2])]).SerializeToString(), "invalidModel", "'ghost' is not produced")
    emit("duplicate-output", model([helper.make_node("Relu", ["x"], ["y"], name="a"), helper.make_node("Neg", ["x"], ["y"], name="b")],
                                   [vi("x", F, [2])], [vi("y", F, [2])]).SerializeToString(), "invalidModel", "already defined")
    emit("output-not-produced", model([helper.make_node("Relu", ["x"], ["r"])], [vi("x", F, [2])],
                                      [vi("y", F, [2])]).SerializeToString(), "invalidModel", "graph output 'y' is not produced")
    emit("no-outputs", model([helper.make_node("Relu", ["x"], ["r"])], [vi("x", F, [2])], []).SerializeToString(), "invalidModel", "no outputs")

    # Operators and attributes.
    emit("unknown-operator", model([helper.make_node("FooBar", ["x"], ["y"], name="mystery")], [vi("x", F, [2])],
                                   [vi("y", F, [2])]).SerializeToString(), "unknownOperator", "FooBar")
    emit("unknown-domain-operator", model([helper.make_node("FusedMatMul", ["x", "x"], ["y"], domain="com.microsoft")],
                                          [vi("x", F, [2, 2])], [vi("y", F, [2, 2])],
                                          extra=[helper.make_opsetid("com.microsoft", 1)]).SerializeToString(), "unknownOperator", "com.microsoft")
    emit("domain-not-imported", model([helper.make_node("Relu", ["x"], ["y"], domain="com.example")], [vi("x", F, [2])],
                                      [vi("y", F, [2])]).SerializeToString(), "invalidModel", "does not import")
    emit("opset-too-new", model([helper.make_node("Relu", ["x"], ["y"])], [vi("x", F, [2])], [vi("y", F, [2])],
                                opset=99).SerializeToString(), "unsupported", "newer")
    emit("opset-too-old-for-op", model([helper.make_node("Erf", ["x"], ["y"])], [vi("x", F, [2])], [vi("y", F, [2])],
                                       opset=7).SerializeToString(), "unknownOperator", "supported from opset 9")
    gemm = model([helper.make_node("Gemm", ["a", "b"], ["y"], name="fc")], [vi("a", F, [2, 2]), vi("b", F, [2, 2])], [vi("y", F, None)])
    gemm.graph.node[0].attribute.append(helper.make_attribute("alpha", [1, 2]))
    emit("attribute-wrong-type", gemm.SerializeToString(), "invalidModel", "attribute 'alpha' must be FLOAT, got INTS")
    emit("attribute-out-of-range", model([helper.make_node("Softmax", ["x"], ["y"], axis=5)], [vi("x", F, [2, 3])],
                                         [vi("y", F, None)]).SerializeToString(), "invalidModel", "axis 5 is out of range")
    emit("missing-required-attribute", model([helper.make_node("Cast", ["x"], ["y"])], [vi("x", F, [2])],
                                             [vi("y", F, None)]).SerializeToString(), "invalidModel", "attribute 'to' is required")
    emit("constant-without-value", model([helper.make_node("Constant", [], ["y"])], [], [vi("y", F, None)]).SerializeToString(),
         "invalidModel", "exactly one value attribute")
    sub = helper.make_graph([helper.make_node("Identity", ["x"], ["z"])], "body", [vi("x", F, [2])], [vi("z", F, [2])])
    emit("graph-attribute", model([helper.make_node("Relu", ["x"], ["y"], body=sub)], [vi("x", F, [2])],
                                  [vi("y", F, [2])]).SerializeToString(), "unsupported", "GRAPH")
    emit("too-many-inputs", model([helper.make_node("Relu", ["x", "x"], ["y"], name="r")], [vi("x", F, [2])],
                                  [vi("y", F, [2])]).SerializeToString(), "invalidModel", "takes 1 inputs, got 2")

    # Types and shapes.
    emit("add-type-mismatch", model([helper.make_node("Add", ["a", "b"], ["y"])], [vi("a", F, [2]), vi("b", TensorProto.DOUBLE, [2])],
                                    [vi("y", F, [2])]).SerializeToString(), "invalidModel", "same type")
    emit("matmul-shape-mismatch", model([helper.make_node("MatMul", ["a", "b"], ["y"])], [vi("a", F, [2, 3]), vi("b", F, [4, 5])],
                                        [vi("y", F, None)]).SerializeToString(), "invalidModel", "inner dimensions")
    emit("broadcast-mismatch", model([helper.make_node("Mul", ["a", "b"], ["y"])], [vi("a", F, [2, 3]), vi("b", F, [4])],
                                     [vi("y", F, None)]).SerializeToString(), "invalidModel", "cannot be broadcast")
    emit("relu-on-string", model([helper.make_node("Relu", ["x"], ["y"])], [vi("x", TensorProto.STRING, [2])],
                                 [vi("y", TensorProto.STRING, [2])]).SerializeToString(), "invalidModel", "has type string")
    emit("declared-output-type-wrong", model([helper.make_node("Relu", ["x"], ["y"])], [vi("x", F, [2])],
                                             [vi("y", TensorProto.INT64, [2])]).SerializeToString(), "invalidModel", "declared")
    emit("declared-output-shape-wrong", model([helper.make_node("Relu", ["x"], ["y"])], [vi("x", F, [2])],
                                              [vi("y", F, [3])]).SerializeToString(), "invalidModel", "declared with shape")
    emit("reshape-impossible", model([helper.make_node("Reshape", ["x", "s"], ["y"])], [vi("x", F, [2, 3])], [vi("y", F, None)],
                                     [numpy_helper.from_array(np.array([4, 4], np.int64), "s")]).SerializeToString(), "invalidModel", "cannot reshape")
    emit("gather-constant-out-of-range", model([helper.make_node("Gather", ["d", "i"], ["y"])], [], [vi("y", F, None)],
                                               [numpy_helper.from_array(np.zeros((3,), np.float32), "d"),
                                                numpy_helper.from_array(np.array([7], np.int64), "i")]).SerializeToString(),
         "invalidModel", "index 7 is out of range")
    emit("bfloat16-input", model([helper.make_node("Identity", ["x"], ["y"])], [vi("x", TensorProto.BFLOAT16, [2])],
                                 [vi("y", TensorProto.BFLOAT16, [2])]).SerializeToString(), "unsupported", "bfloat16")
    emit("invalid-elem-type", model([helper.make_node("Identity", ["x"], ["y"])], [vi("x", 77, [2])],
                                    [vi("y", F, [2])]).SerializeToString(), "invalidModel", "invalid element type 77")
    opt = model([helper.make_node("Identity", ["x"], ["y"])], [], [vi("y", F, [2])])
    opt.graph.input.append(helper.make_value_info("x", helper.make_optional_type_proto(helper.make_tensor_type_proto(F, [2]))))
    emit("optional-input", opt.SerializeToString(), "unsupported", "optional")

    # Unsupported features.
    ext = model([helper.make_node("Identity", ["w"], ["y"])], [], [vi("y", F, None)])
    t = ext.graph.initializer.add()
    t.name, t.data_type = "w", F
    t.dims.extend([4])
    t.data_location = TensorProto.EXTERNAL
    t.external_data.add(key="location", value="weights.bin")
    emit("external-data", ext.SerializeToString(), "unsupported", "external data")
    sp = model([helper.make_node("Identity", ["x"], ["y"])], [vi("x", F, [2])], [vi("y", F, [2])])
    sp.graph.sparse_initializer.add().values.CopyFrom(numpy_helper.from_array(np.ones(1, np.float32), "s"))
    emit("sparse-initializer", sp.SerializeToString(), "unsupported", "sparse")
    tr = model([helper.make_node("Identity", ["x"], ["y"])], [vi("x", F, [2])], [vi("y", F, [2])])
    tr.training_info.add()
    emit("training-info", tr.SerializeToString(), "unsupported", "training")

    # Blind mutations of a valid model: must load or fail typed, never crash.
    for i, cut in enumerate(np.linspace(1, len(good) - 1, 40).astype(int)):
        emit(f"truncated-{i:02d}-at-{cut}", good[:cut], "any")
    rnd = random.Random(11)
    for i in range(40):
        data = bytearray(good)
        for _ in range(rnd.randint(1, 4)):
            p = rnd.randrange(len(data))
            data[p] ^= 1 << rnd.randrange(8)
        emit(f"flipped-{i:02d}", bytes(data), "any")
    with open(os.path.join(OUT, "EXPECTED.txt"), "w") as f:
        f.write("# name\tkind\tmessage substring (generated by tools/modelkit/make_broken_models.py)\n")
        for name, kind, sub in expected:
            f.write(f"{name}\t{kind}\t{sub}\n")
    print(f"{len(expected)} broken models")


if __name__ == "__main__":
    main()
