"""Shared helpers of the ModelKit ai.onnx.ml fixture scripts: writing a case directory.

A case is `<root>/<name>/model.onnx` plus `test_data_set_0/input_<i>.pb` (TensorProto, named
after the graph input) and `output_<i>.pb` (TensorProto, or SequenceProto of MapProto for a
ZipMap output), with the outputs onnxruntime computes (one intra-op thread, so tree sums run
in tree order).
"""
import os
import shutil

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper


def ort_session(model_bytes):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 4
    return ort.InferenceSession(model_bytes, opts, providers=["CPUExecutionProvider"])


def to_proto(value, name, type_proto):
    """An onnxruntime output as a TensorProto, or a SequenceProto of MapProto for seq(map)."""
    if type_proto.WhichOneof("value") == "sequence_type":
        map_type = type_proto.sequence_type.elem_type.map_type
        key_type = map_type.key_type
        maps = []
        for d in value:
            keys = list(d.keys())
            vals = np.array([d[k] for k in keys], dtype=np.float32)
            seq_vals = helper.make_sequence("values", onnx.SequenceProto.TENSOR, [numpy_helper.from_array(vals)])
            if key_type == onnx.TensorProto.STRING:
                maps.append(helper.make_map("m", key_type, [k.encode() for k in keys], seq_vals))
            else:
                maps.append(helper.make_map("m", key_type, [int(k) for k in keys], seq_vals))
        return helper.make_sequence(name, onnx.SequenceProto.MAP, maps)
    arr = np.asarray(value)
    if arr.dtype == object:
        arr = arr.astype(object)
    t = numpy_helper.from_array(arr, name)
    return t


def write_case(root, name, model, feeds, check=None):
    """Runs `model` on `feeds` ({input name: array}) with onnxruntime and writes the case.

    Returns the outputs; `check(outputs)` may veto the case by returning False.
    """
    data = model.SerializeToString()
    sess = ort_session(data)
    outs = sess.run(None, feeds)
    if check is not None and not check(outs):
        return None
    d = os.path.join(root, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "test_data_set_0"))
    with open(os.path.join(d, "model.onnx"), "wb") as f:
        f.write(data)
    for i, inp in enumerate(model.graph.input):
        value = feeds[inp.name]
        if isinstance(value, dict):  # a map input: MapProto with one 1-D tensor of values
            key_type = inp.type.map_type.key_type
            keys = list(value.keys())
            dtype = onnx.helper.tensor_dtype_to_np_dtype(inp.type.map_type.value_type.tensor_type.elem_type)
            values = helper.make_sequence("values", onnx.SequenceProto.TENSOR, [numpy_helper.from_array(np.array(list(value.values()), dtype=dtype))])
            keys = [k.encode() for k in keys] if key_type == onnx.TensorProto.STRING else keys
            proto = helper.make_map(inp.name, key_type, keys, values)
        else:
            proto = numpy_helper.from_array(np.asarray(value), inp.name)
        with open(os.path.join(d, "test_data_set_0", f"input_{i}.pb"), "wb") as f:
            f.write(proto.SerializeToString())
    for i, (out, value) in enumerate(zip(model.graph.output, outs)):
        p = to_proto(value, out.name, out.type)
        with open(os.path.join(d, "test_data_set_0", f"output_{i}.pb"), "wb") as f:
            f.write(p.SerializeToString())
    return outs


def reset(root):
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)


def write_index(root, names, header):
    with open(os.path.join(root, "CASES.txt"), "w") as f:
        f.write("\n".join(sorted(names)) + "\n")
