/// ModelKit: ONNX inference in pure Swift.
public enum ModelKit {}
