"""FastAPI + uvicorn + onnxruntime: the seed API with the model in ONNX instead of joblib.

Same registry layout and routes as seed_app.py; loads `models/<version>/model.onnx` into an
onnxruntime InferenceSession at startup (one intra-op and one inter-op thread per worker:
with N uvicorn workers on N cores more threads only contend). `POST /predict` is declared
`async def` because the call takes microseconds: running it inline is faster than
FastAPI's thread pool, which is the best case for this peer.

Run: REGISTRY_DIR=DIR uvicorn ort_app:app --host 127.0.0.1 --port P --workers N
Benchmark tooling only: a peer Monolith is measured against, not product code.
"""

import json
import os
from contextlib import asynccontextmanager
from pathlib import Path

import numpy as np
import onnxruntime as ort
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel


def latest_version(root: Path) -> str:
    models = root / "models"
    found = [p.name for p in models.iterdir() if (p / "model.onnx").is_file()] if models.is_dir() else []
    if not found:
        raise FileNotFoundError(f"no model.onnx under {models}")
    return sorted(found, key=lambda v: (not v.isdigit(), int(v) if v.isdigit() else 0, v))[-1]


class PredictRequest(BaseModel):
    features: list[float]


class PredictResponse(BaseModel):
    predictions: list[float]
    model: str
    model_version: str


state: dict = {}


@asynccontextmanager
async def lifespan(_: FastAPI):
    root = Path(os.environ.get("REGISTRY_DIR", "registry"))
    version = os.environ.get("MODEL_VERSION") or latest_version(root)
    vdir = root / "models" / version
    meta_path = vdir / "metadata.json"
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = int(os.environ.get("ORT_THREADS", "1"))
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(str(vdir / "model.onnx"), opts, providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    state.update(sess=sess, input=inp.name, n_features=inp.shape[1] if isinstance(inp.shape[1], int) else None,
                 output=sess.get_outputs()[0].name, name=str(meta.get("name", "model")), version=str(meta.get("version", version)))
    yield
    state.clear()


app = FastAPI(title="Model API (onnxruntime)", version="1.0.0", lifespan=lifespan)


@app.get("/health")
async def health():
    return {"status": "ok"}


@app.get("/health/ready")
async def ready():
    if "sess" not in state:
        raise HTTPException(status_code=503, detail="model not loaded")
    return {"status": "ready"}


@app.post("/predict", response_model=PredictResponse)
async def predict(req: PredictRequest):
    n = state["n_features"]
    if n is not None and len(req.features) != n:
        raise HTTPException(status_code=400, detail=f"expected {n} features, got {len(req.features)}")
    x = np.asarray([req.features], dtype=np.float32)
    out = state["sess"].run([state["output"]], {state["input"]: x})[0]
    return {"predictions": [float(v) for v in np.ravel(out)], "model": state["name"], "model_version": state["version"]}
