"""The systems under test: one entry each, all serving the same routes on 127.0.0.1.

An entry says how to start the system on a port (command + environment, built fresh for
every start), which route tells it is ready, and whether it serves the model (nginx does
not: it is the HTTP ceiling and answers a fixed body). Add a system by adding an entry to
`all_systems()`; `BENCH_SYSTEMS` / `--systems` picks which run.
"""

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent


@dataclass
class Context:
    """What every entry may use: paths of this run and the chosen model."""
    root: Path             # the repository checkout
    work: Path             # this run's temp folder (gitignored)
    python: Path           # bench/.venv/bin/python
    registry: Path         # registries/<model>: models/1/{model.onnx,model.joblib,metadata.json} + latest/
    model: str             # rf | mlp | lr | gb
    fixed_body: str        # what nginx answers on /predict
    monolith_bin: Path | None
    monolith_build_error: str | None
    log_level: str = "error"


@dataclass
class System:
    name: str
    label: str
    group: str                                  # seed | fastapi-ort | nginx | monolith
    serves_model: bool
    make: Callable[[Context, int, Path], tuple[list[str], dict]]   # (ctx, port, start dir) -> (argv, env)
    availability: Callable[[Context], str | None] = lambda ctx: None   # None = can run, else why not
    ready_path: str = "/health/ready"
    ready_timeout: float = 60.0
    secondary: bool = False                     # timed with --secondary-reps repetitions
    start_variants: Callable[[Context], dict] = lambda ctx: {}   # key -> (label, make, prime): extra start measurements
    workloads: tuple = ("predict",)             # "predict": POST /predict rounds; "health": GET /health (issue 2)
    notes: str = ""
    extra: dict = field(default_factory=dict)


def _uvicorn(app: str, workers: int, lean: bool):
    def make(ctx: Context, port: int, _start_dir: Path):
        argv = [str(ctx.python), "-m", "uvicorn", f"{app}:app", "--app-dir", str(HERE / "apps"),
                "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
                "--no-access-log", "--log-level", "warning"]
        if lean:
            argv += ["--http", "h11", "--loop", "asyncio"]
        return argv, {"REGISTRY_DIR": str(ctx.registry), "PYTHONDONTWRITEBYTECODE": "1"}
    return make


NGINX_CONF = """\
# Written by bench/lib/systems.py for one benchmark start; everything under this folder.
daemon off;
master_process on;
worker_processes 2;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    default_type application/json;
    keepalive_requests 1000000;
    keepalive_timeout 65s;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location = /predict {{ return 200 '{body}'; }}
        location = /health {{ return 200 '{{"status":"ok"}}'; }}
        location = /health/ready {{ return 200 '{{"status":"ready"}}'; }}
        location / {{ return 404 '{{"error":"not found"}}'; }}
    }}
}}
"""


def _nginx_make(ctx: Context, port: int, start_dir: Path):
    conf_dir = start_dir / "nginx"
    conf_dir.mkdir(parents=True, exist_ok=True)
    conf = conf_dir / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=conf_dir, port=port, body=ctx.fixed_body.replace("'", "")))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    return [nginx, "-p", str(conf_dir), "-c", str(conf), "-e", str(conf_dir / "error.log")], {}


def _nginx_available(_ctx: Context):
    return None if (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")) else "nginx not installed (apt-get install nginx)"


def _monolith_make(ctx: Context, port: int, start_dir: Path):
    data = start_dir / "data"      # a fresh store for every start: a cold import of the registry
    data.mkdir(parents=True, exist_ok=True)
    argv = [str(ctx.monolith_bin), "serve", "--host", "127.0.0.1", "--port", str(port),
            "--registry", str(ctx.registry), "--data", str(data)]
    return argv, {"MONOLITH_LOG_LEVEL": ctx.log_level, "MONOLITH_HOST": "127.0.0.1", "PORT": str(port)}


def _monolith_variants(ctx: Context) -> dict:
    """Extra starts: the repository's example registry (issue 4's bar) and a restart of the
    benchmark registry on a data folder that already holds it."""
    example = ctx.root / "examples" / "registry"
    warm = ctx.work / "monolith-warm-data"

    def with_registry(registry: Path):
        def make(c: Context, port: int, start_dir: Path):
            argv, env = _monolith_make(c, port, start_dir)
            argv[argv.index("--registry") + 1] = str(registry)
            return argv, env
        return make

    def restart(c: Context, port: int, start_dir: Path):
        argv, env = _monolith_make(c, port, start_dir)
        warm.mkdir(parents=True, exist_ok=True)
        argv[argv.index("--data") + 1] = str(warm)
        return argv, env

    out = {}
    if (example / "models").is_dir():
        out["example"] = ("example registry (examples/registry), fresh data", with_registry(example), False)
    out["restart"] = (f"{ctx.model} registry, restart on a filled data folder", restart, True)
    return out


def _monolith_http_make(ctx: Context, port: int, start_dir: Path):
    argv = [str(ctx.monolith_bin), "serve", "--host", "127.0.0.1", "--port", str(port)]
    return argv, {"MONOLITH_LOG_LEVEL": ctx.log_level, "MONOLITH_DATA": str(start_dir / "data")}


def _monolith_available(ctx: Context):
    if ctx.monolith_build_error:
        return f"release build failed: {ctx.monolith_build_error}"
    if ctx.monolith_bin is None or not ctx.monolith_bin.is_file():
        return "no release binary (swift build -c release --static-swift-stdlib)"
    return None


def all_systems() -> list[System]:
    py = []
    for workers in (1, 2):
        py.append(System(
            name=f"seed-joblib-{workers}w", label=f"seed: FastAPI+joblib ({workers}w)", group="seed",
            serves_model=True, make=_uvicorn("seed_app", workers, lean=False), secondary=workers == 1,
            notes=f"FastAPI + uvicorn --workers {workers}, scikit-learn model loaded with joblib (the seed stack)"))
    for workers in (1, 2):
        py.append(System(
            name=f"fastapi-ort-{workers}w", label=f"FastAPI+onnxruntime ({workers}w)", group="fastapi-ort",
            serves_model=True, make=_uvicorn("ort_app", workers, lean=False), secondary=workers == 1,
            notes=f"FastAPI + uvicorn --workers {workers} + onnxruntime (1 thread per worker), same ONNX file"))
    # Not in the default list: the seeds' "prod" profile, plain uvicorn (h11 + asyncio).
    py.append(System(
        name="seed-joblib-2w-lean", label="seed: FastAPI+joblib (2w, h11)", group="seed",
        serves_model=True, make=_uvicorn("seed_app", 2, lean=True),
        notes="as seed-joblib-2w with uvicorn --http h11 --loop asyncio (the seeds' lean prod requirements)"))
    py.append(System(
        name="fastapi-ort-2w-lean", label="FastAPI+onnxruntime (2w, h11)", group="fastapi-ort",
        serves_model=True, make=_uvicorn("ort_app", 2, lean=True),
        notes="as fastapi-ort-2w with uvicorn --http h11 --loop asyncio"))
    return py + [
        System(name="nginx", label="nginx (fixed body)", group="nginx", serves_model=False,
               make=_nginx_make, availability=_nginx_available, ready_timeout=10.0, workloads=("predict", "health"),
               notes="nginx, 2 workers, `return 200` with a fixed JSON body: the HTTP ceiling, no model"),
        System(name="monolith", label="monolith", group="monolith", serves_model=True,
               make=_monolith_make, availability=_monolith_available, ready_timeout=30.0, workloads=("predict", "health"),
               start_variants=_monolith_variants,
               notes="monolith serve --registry (the same ONNX file), release build, --static-swift-stdlib"),
        # Not in the default list: the HTTP layer alone (no registry), for the issue 2 figures
        # before /predict exists; the GET /health workload only.
        System(name="monolith-http", label="monolith (HTTP only)", group="monolith", serves_model=False,
               make=_monolith_http_make, availability=_monolith_available, ready_timeout=30.0, workloads=("health",),
               ready_path="/health", notes="monolith serve with no registry: GET /health only (the HTTP layer)"),
    ]


DEFAULT_SYSTEMS = ["seed-joblib-1w", "seed-joblib-2w", "fastapi-ort-1w", "fastapi-ort-2w", "nginx", "monolith"]
