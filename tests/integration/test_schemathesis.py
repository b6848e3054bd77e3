"""Schemathesis against a real `lakemesh serve` with the demo mesh: the server keeps its own OpenAPI document.

A bounded run (`--checks all`, fixed seed, few examples per operation, so it takes about three minutes per
catalog) with a platform admin's token must find nothing, `positive_data_acceptance` and
`negative_data_rejection` included: the document states the server's rules (name, e-mail, tag, cursor, duration,
cron, node and version patterns) and lists per operation the fields checked beyond the schema, which
`schemathesis_hooks.py` holds the positive check to; a run without a token must see only 401s (and the public
probes). Excluded operations are only those that destroy the fuzzer's own credentials: revoking a token (it
could revoke its own) and disabling a principal (it could disable its own admin); everything else, deletes of
its own domains included, is fuzzed.

The run without a token needs no data (every request is refused before any is read): it fuzzes the session's
`server`, one example per operation, and skips the coverage and stateful phases, which there only repeat that
401 (~6,700 requests and a demo server of its own before, for the same 194 operations and the same checks).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PG_BASE, create_pg_database, drop_pg_database
from tests.integration.conftest import Server, start_server

pytestmark = pytest.mark.integration

SELF_DESTRUCTIVE = (
    "revoke_token_api_v1_tokens__token_id__delete",
    "disable_principal_api_v1_principals__principal__delete",
)
# The built-in checks replaced by `schemathesis_hooks.py`'s stricter-where-it-matters versions: a 422 on a
# schema-valid request passes only on a field the operation declares checked beyond the schema; an unknown
# header is not invalid input (HTTP allows any).
REPLACED = ("positive_data_acceptance", "negative_data_rejection")
HOOKS = "tests.integration.schemathesis_hooks"


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("fuzz") / "home"
    catalog_url = create_pg_database(PG_BASE, "lakemesh_fuzz", migrated=True) if PG_BASE else None
    process, running = start_server(home, catalog_url, "--demo")
    yield running
    process.terminate()
    process.wait(timeout=20)
    log = (home.parent / f"server-{running.url.rsplit(':', 1)[1]}.log").read_text(errors="replace")
    assert "Traceback" not in log and "unexpected error" not in log, f"the server failed a request:\n{log[-4000:]}"
    if PG_BASE and catalog_url:
        drop_pg_database(PG_BASE, catalog_url)


def schemathesis(server: Server, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis")
    command = [
        executable,
        "run",
        f"{server.url}/openapi.json",
        "--seed",
        "25013",
        "--max-examples",
        "3",
        "--request-timeout",
        "60",
        "--report-dir",
        str(tmp_path),
        "--no-color",
        *(a for op in SELF_DESTRUCTIVE for a in ("--exclude-operation-id", op)),
        *extra,
    ]
    # run in the temp dir: Schemathesis keeps a cache (.schemathesis/) in its working directory
    root = Path(__file__).resolve().parents[2]
    path = os.pathsep.join(filter(None, (str(root), os.environ.get("PYTHONPATH"))))
    env = {**os.environ, "SCHEMATHESIS_HOOKS": HOOKS, "PYTHONPATH": path}
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False, cwd=tmp_path, env=env)
    (tmp_path / "schemathesis.txt").write_text(result.stdout)
    return result


def failures(result: subprocess.CompletedProcess[str]) -> str:
    """The failures section (the tail is mostly hints about missing test data)."""
    start = result.stdout.find("= FAILURES =")
    return result.stdout[start : start + 12000] if start >= 0 else result.stdout[-6000:]


def test_an_admin_fuzzing_the_api_finds_no_failures(demo_server: Server, tmp_path: Path) -> None:
    result = schemathesis(
        demo_server,
        tmp_path,
        "--checks",
        "all",
        "--exclude-checks",
        ",".join(REPLACED),
        "--header",
        f"Authorization: Bearer {demo_server.token}",
    )
    assert result.returncode == 0, failures(result)


def test_without_a_token_everything_is_401(server: Server, tmp_path: Path) -> None:
    result = schemathesis(
        server,
        tmp_path,
        "--checks",
        "ignored_auth,status_code_conformance",
        "--max-examples",  # every operation answers 401 whatever the data: one example each says so
        "1",
        # Coverage (~35 variants of each operation's inputs) and stateful (links followed from 2xx answers, of which
        # there are none) would only send more requests to the same 401; examples and fuzzing reach every operation.
        "--phases",
        "examples,fuzzing",
        "--exclude-path-regex",
        "^/(healthz|readyz|delta-sharing/files/.*)$",
    )
    assert result.returncode == 0, failures(result)
    selected = re.search(r"Selected: (\d+)/\d+\s+Tested: (\d+)", result.stdout)
    assert selected and selected[1] == selected[2], "every selected operation was sent a request"
