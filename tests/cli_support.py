"""`lakemesh ARGS` in the test process: the console script's own entry point (`lakemesh.cli.main.run`, with its
error boundary and exit codes), its environment, stdin, stdout and stderr, without a new Python process.

A new process imports the whole platform first (about 3 s of CPU each); tests that run dozens of commands spend most
of their time there. The tests in tests/e2e/test_cli_login.py, test_cli_backup.py, test_seed_scenario.py and
tests/integration/test_metrics_api.py / test_profiles_api.py still start real `lakemesh` processes.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Mapping

import pytest


def run_cli(env: Mapping[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """What `subprocess.run([lakemesh, *args], env=env, capture_output=True, text=True)` returns, run in-process."""
    from lakemesh.cli.main import run

    stdout, stderr = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(stdout, encoding="utf-8", write_through=True)
    err = io.TextIOWrapper(stderr, encoding="utf-8", write_through=True)
    code: int | str | None = 0
    with pytest.MonkeyPatch.context() as patch:
        for name in set(os.environ) - set(env):
            patch.delenv(name)
        for name, value in env.items():
            patch.setenv(name, value)
        patch.setattr(sys, "argv", ["lakemesh", *args])
        patch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(), encoding="utf-8"))
        patch.setattr(sys, "stdout", out)
        patch.setattr(sys, "stderr", err)
        try:
            run()
        except SystemExit as exit:
            code = exit.code
        finally:
            out.flush()
            err.flush()
    returncode = code if isinstance(code, int) else (0 if code is None else 1)
    text = {
        name: stream.getvalue().decode("utf-8", errors="replace") for name, stream in (("o", stdout), ("e", stderr))
    }
    return subprocess.CompletedProcess(["lakemesh", *args], returncode, text["o"], text["e"])
