"""Processes the suite starts: spawn, wait for readiness, sample, stop — always by PID.

Every server is started in a new session (setsid), so the process group id equals the
PID we got back from Popen; stopping it signals that group (`killpg(pid)`), which reaches
uvicorn's and nginx's workers too and nothing else. Every started process is tracked and
`stop_all()` runs on normal exit, on an exception and on SIGINT/SIGTERM.
"""

import http.client
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import threading
import time
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
TICK = os.sysconf("SC_CLK_TCK")

_started: dict[int, subprocess.Popen] = {}
_lock = threading.Lock()


def free_port() -> int:
    """A port the kernel just gave us on 127.0.0.1 (closed again before use)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(cmd: list[str], log: Path, env: dict | None = None, cwd: str | None = None) -> subprocess.Popen:
    """Start `cmd` in its own session, stdout+stderr to `log`; tracked for cleanup."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    with open(log, "ab") as out:
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             env=full_env, cwd=cwd, start_new_session=True)
    with _lock:
        _started[p.pid] = p
    # bench/run's exit trap reads this list too, in case this process itself is killed.
    pidfile = os.environ.get("BENCH_PIDFILE")
    if pidfile:
        with open(pidfile, "a") as f:
            f.write(f"{p.pid}\n")
    return p


def run_captured(argv: list[str], env: dict, timeout: float) -> tuple[int, str, str]:
    """Runs a bounded client (wrk) in its own session, tracked like a server; (code, out, err)."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                         env=env, text=True, start_new_session=True)
    with _lock:
        _started[p.pid] = p
    pidfile = os.environ.get("BENCH_PIDFILE")
    if pidfile:
        with open(pidfile, "a") as f:
            f.write(f"{p.pid}\n")
    try:
        out, err = p.communicate(timeout=timeout)
        return p.returncode, out, err
    finally:
        if p.poll() is None:
            stop(p, grace=1.0)
        with _lock:
            _started.pop(p.pid, None)


def stop(p: subprocess.Popen, grace: float = 10.0) -> int | None:
    """SIGTERM the process group we created, SIGKILL after `grace` s; returns the exit code."""
    code = p.poll()
    if code is None:
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            code = p.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            code = None
    # Workers that outlived their parent (same group) are killed too.
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if p.poll() is None:
        p.wait(timeout=5)
    with _lock:
        _started.pop(p.pid, None)
    return code


def stop_all() -> None:
    with _lock:
        procs = list(_started.values())
    for p in procs:
        try:
            stop(p, grace=3.0)
        except Exception as e:  # keep going: every other process must still be stopped
            print(f"warning: could not stop pid {p.pid}: {e}", flush=True)


def install_signal_handlers() -> None:
    def handler(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)


def request(port: int, method: str, path: str, body: bytes | None = None, timeout: float = 5.0):
    """One HTTP request on 127.0.0.1; returns (status, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def wait_ready(p: subprocess.Popen, port: int, path: str, t0: float, timeout: float) -> float:
    """Polls GET `path` every 2 ms until 200; returns ms since `t0` (time.monotonic)."""
    deadline = t0 + timeout
    while time.monotonic() < deadline:
        if p.poll() is not None:
            raise RuntimeError(f"exited with code {p.returncode} before answering {path}")
        try:
            status, _ = request(port, "GET", path, timeout=1.0)
            if status == 200:
                return (time.monotonic() - t0) * 1000.0
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.002)
    raise RuntimeError(f"no 200 on {path} within {timeout:.0f} s")


# ---- /proc sampling -------------------------------------------------------------------

def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Fields after "comm" (which may contain spaces), numbered from 3 (state).
    return raw[raw.rfind(")") + 2:].split()


def session_pids(sid: int) -> list[int]:
    """Every live process whose session id is `sid` (the server and all its workers)."""
    pids = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        f = _stat_fields(int(entry.name))
        if f is not None and len(f) > 3 and int(f[3]) == sid and f[0] != "Z":
            pids.append(int(entry.name))
    return pids


def rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE // 1024
        except (OSError, IndexError, ValueError):
            pass
    return total


def pss_kib(pids: list[int]) -> int:
    """Proportional set size: shared pages (forked workers) counted once overall."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except (OSError, ValueError):
            pass
    return total


def fd_count(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            total += len(os.listdir(f"/proc/{pid}/fd"))
        except OSError:
            pass
    return total


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    out = {}
    for pid in pids:
        f = _stat_fields(pid)
        if f is not None and len(f) > 12:
            out[pid] = (int(f[11]) + int(f[12])) / TICK  # utime + stime
    return out


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU time of the whole machine so far, all cores, from /proc/stat.
    Total is the denominator for shares: on some VMs the tick counts run faster than the
    wall clock, so cores x seconds would overstate nothing consistently."""
    parts = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    vals = [int(x) for x in parts]
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)   # idle + iowait
    total = sum(vals[:7])                                   # without steal; guest is already in user
    return (total - idle) / TICK, total / TICK


class Sampler:
    """Samples the summed RSS of a session every `interval` s in a background thread."""

    def __init__(self, sid: int, interval: float = 0.1):
        self.sid, self.interval = sid, interval
        self.rss: list[int] = []
        self.pss: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        n = 0
        pids = session_pids(self.sid)
        while not self._stop.is_set():
            if n % 10 == 0:
                pids = session_pids(self.sid)
                self.pss.append(pss_kib(pids))
            self.rss.append(rss_kib(pids))
            n += 1
            self._stop.wait(self.interval)

    def __enter__(self):
        self.busy0, self.total0 = machine_cpu_seconds()
        self.self0 = resource.getrusage(resource.RUSAGE_SELF)
        self.kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu0 = cpu_seconds(session_pids(self.sid))
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        cpu1 = cpu_seconds(session_pids(self.sid))
        deltas = {pid: v - self.cpu0.get(pid, 0.0) for pid, v in cpu1.items()}
        self.cpu_s = sum(deltas.values())
        # Everything else the machine did meanwhile (other users' builds...): the load client
        # (wrk, a waited-for child) and this driver are ours, the rest is foreign noise.
        busy1, total1 = machine_cpu_seconds()
        busy = busy1 - self.busy0
        self.machine_cpu_total_s = total1 - self.total0
        s1, k1 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        self.client_cpu_s = (k1.ru_utime + k1.ru_stime) - (self.kids0.ru_utime + self.kids0.ru_stime)
        driver = (s1.ru_utime + s1.ru_stime) - (self.self0.ru_utime + self.self0.ru_stime)
        self.foreign_cpu_s = max(0.0, busy - self.cpu_s - self.client_cpu_s - driver)
        # Per process (largest first): shows how evenly a multi-worker server spread the load.
        self.cpu_by_process = sorted((round(d, 2) for d in deltas.values() if d >= 0.05), reverse=True)
        return False

    def summary(self) -> dict:
        return {
            "rss_peak_kib": max(self.rss) if self.rss else None,
            "rss_median_kib": int(statistics.median(self.rss)) if self.rss else None,
            "pss_peak_kib": max(self.pss) if self.pss else None,
            "cpu_s": round(self.cpu_s, 3),
            "cpu_s_by_process": self.cpu_by_process,
            "client_cpu_s": round(self.client_cpu_s, 3),
            "foreign_cpu_s": round(self.foreign_cpu_s, 3),
            "machine_cpu_total_s": round(self.machine_cpu_total_s, 3),
            "samples": len(self.rss),
        }


def tail(path: Path, n: int = 2000) -> str:
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    return data[-n:].decode("utf-8", "replace")


def dumps(obj) -> str:
    return json.dumps(obj, indent=1, sort_keys=False)
