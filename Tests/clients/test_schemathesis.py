"""schemathesis against the live server: no 5xx and no response that violates the
OpenAPI document (status codes, content types, bodies), within a bounded time."""

import os
import shutil
import subprocess
import sys
import tempfile

import pytest

from conftest import ADMIN_KEY, running_server


def test_schemathesis_finds_no_server_error_and_no_schema_violation():
    """On a server of its own: schemathesis deletes, unloads and uploads as it pleases. The
    OpenAPI examples name `my_model` (8 features), which this server serves and defaults to.
    schemathesis also sends wrong keys on purpose: with the default failed-authentication
    budget (10 per address) the rest of the run would only see 429, so this server allows
    more (a 429 is still documented, and checked, on every operation)."""
    with running_server(default_model="my_model", env_extra={"MONOLITH_RATE_LIMIT_AUTH_FAILURES": "1000:100000"}) as (url, _):
        run_schemathesis(url)


def run_schemathesis(url):
    st = shutil.which("st") or shutil.which("schemathesis")
    if st is None:
        pytest.fail("schemathesis is not installed (pip install schemathesis)")
    seconds = os.environ.get("SCHEMATHESIS_SECONDS", "60")
    argv = [st, "run", f"{url}/openapi.json", "--url", url,
            "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance",
            "--max-time", seconds, "--header", f"Authorization: Bearer {ADMIN_KEY}",
            # Unloading a model makes every inference route answer 503 for it until it is
            # loaded again: documented, intended, and not a server fault. It is exercised by
            # test_tritonclient.py's repository test instead.
            # One worker: hypothesis describes strategies by compiling their lambdas' source,
            # and CPython 3.11's ast is not safe across threads ("AST constructor recursion
            # depth mismatch", an error inside schemathesis, not an answer of the server).
            "--exclude-path-regex", r"^/v2/repository/models/[^/]+/unload$", "--workers", "1", "--request-timeout", "20",
            "--generation-database", "none", "--suppress-health-check", "all", "--no-color"]
    # Run in a scratch folder: schemathesis keeps state in ./.schemathesis.
    with tempfile.TemporaryDirectory(prefix="schemathesis-") as scratch:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=int(seconds) + 240, cwd=scratch)
    report = result.stdout
    if "FAILURES" in report:
        report = report[report.index("FAILURES"):]
    sys.stdout.write(report[:20000] + "\n...\n" + result.stdout[-3000:])
    sys.stderr.write(result.stderr[-2000:])
    assert result.returncode == 0, "schemathesis reported failures (see output)"
