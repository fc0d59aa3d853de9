"""The seed stack's Python model API, as the seed notes describe it.

FastAPI + uvicorn; a ModelRegistry over `registry/models/<version>/model.joblib` +
`metadata.json` (and `latest/`); the model is loaded with joblib once at startup;
`POST /predict` takes `{"features": [...]}` (a pydantic model) and answers
`{"predictions": [...], "model": ..., "model_version": ...}`; `GET /health`.

Run: REGISTRY_DIR=DIR uvicorn seed_app:app --host 127.0.0.1 --port P --workers N
Benchmark tooling only: this is the peer Monolith is measured against, not product code.
"""

import json
import os
from contextlib import asynccontextmanager
from pathlib import Path

import joblib
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel


class ModelRegistry:
    """The seeds' registry folder: models/<version>/{model.joblib,metadata.json} + latest/."""

    def __init__(self, root: str):
        self.root = Path(root)

    def versions(self) -> list[str]:
        models = self.root / "models"
        found = [p.name for p in models.iterdir() if (p / "model.joblib").is_file()] if models.is_dir() else []
        return sorted(found, key=lambda v: (not v.isdigit(), int(v) if v.isdigit() else 0, v))

    def load(self, version: str | None = None):
        """Loads one version (default: the highest), returns (model, metadata)."""
        versions = self.versions()
        if not versions:
            raise FileNotFoundError(f"no model.joblib under {self.root / 'models'}")
        version = version or versions[-1]
        vdir = self.root / "models" / version
        meta_path = vdir / "metadata.json"
        metadata = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
        metadata.setdefault("version", version)
        return joblib.load(vdir / "model.joblib"), metadata


class PredictRequest(BaseModel):
    features: list[float]


class PredictResponse(BaseModel):
    predictions: list[float]
    model: str
    model_version: str


state: dict = {}


@asynccontextmanager
async def lifespan(_: FastAPI):
    registry = ModelRegistry(os.environ.get("REGISTRY_DIR", "registry"))
    state["model"], state["metadata"] = registry.load(os.environ.get("MODEL_VERSION"))
    yield
    state.clear()


app = FastAPI(title="Model API", version="1.0.0", lifespan=lifespan)


@app.get("/")
def root():
    return {"service": "model-api", "version": "1.0.0", "message": "Model API is running", "docs": "/docs"}


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/health/ready")
def ready():
    if "model" not in state:
        raise HTTPException(status_code=503, detail="model not loaded")
    return {"status": "ready"}


@app.post("/predict", response_model=PredictResponse)
async def predict(req: PredictRequest):
    model = state["model"]
    expected = getattr(model, "n_features_in_", len(req.features))
    if len(req.features) != expected:
        raise HTTPException(status_code=400, detail=f"expected {expected} features, got {len(req.features)}")
    prediction = model.predict([req.features])
    meta = state["metadata"]
    return {
        "predictions": [float(v) for v in prediction.ravel()],
        "model": str(meta.get("name", "model")),
        "model_version": str(meta.get("version")),
    }
