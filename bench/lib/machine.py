"""The machine and the versions a benchmark run used (recorded in every results file)."""

import os
import platform
import re
import shutil
import subprocess
from importlib import metadata
from pathlib import Path


def _cmd(argv, pattern=None):
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (r.stdout + r.stderr).strip()
    if pattern:
        m = re.search(pattern, text)
        return m.group(1) if m else None
    return text.splitlines()[0] if text else None


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _pkg(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def describe(root: Path, monolith_bin: Path | None) -> dict:
    mem_kib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    commit = _cmd(["git", "-C", str(root), "rev-parse", "--short", "HEAD"])
    dirty = _cmd(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"])
    info = {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1048576, 1) if mem_kib else None,
        "kernel": platform.release(),
        "os": _cmd(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]),
        "git_commit": commit + ("-dirty" if dirty else "") if commit else None,
        "versions": {
            "swift": _cmd(["swift", "--version"], r"Swift version (\S+)"),
            "nginx": _cmd(["nginx", "-v"], r"nginx/(\S+)"),
            "wrk": _cmd(["wrk", "--version"], r"wrk (\S+)"),
            "python": platform.python_version(),
            "onnxruntime": _pkg("onnxruntime"),
            "scikit-learn": _pkg("scikit-learn"),
            "skl2onnx": _pkg("skl2onnx"),
            "onnx": _pkg("onnx"),
            "fastapi": _pkg("fastapi"),
            "uvicorn": _pkg("uvicorn"),
            "uvloop": _pkg("uvloop"),
            "httptools": _pkg("httptools"),
            "numpy": _pkg("numpy"),
            "docker": _cmd(["docker", "--version"], r"version ([^,\s]+)") if shutil.which("docker") else None,
        },
    }
    if monolith_bin is not None and monolith_bin.is_file():
        info["monolith_binary_bytes"] = monolith_bin.stat().st_size
        info["versions"]["monolith"] = _cmd([str(monolith_bin), "version"])
    return info
