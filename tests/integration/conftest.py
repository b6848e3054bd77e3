"""A real `lakemesh serve` process per test session, on the same catalog backend as the unit tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import PG_BASE, create_pg_database, drop_pg_database
from tests.integration.sql_endpoint_world import MAX_ROWS, build_sql_world


@dataclass
class Server:
    url: str
    token: str
    home: Path
    env: dict[str, str]

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token or self.token}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


READY_SECONDS = 180


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(home: Path, catalog_url: str | None, *extra: str) -> tuple[subprocess.Popen[bytes], Server]:
    port = free_port()
    env = {**os.environ, "LAKEMESH_HOME": str(home), "LAKEMESH_PORT": str(port), "LAKEMESH_HOST": "127.0.0.1"}
    # Every server its own SQL endpoint port: tests run in parallel.
    env["LAKEMESH_SQL_PORT"] = os.environ.get("LAKEMESH_SQL_PORT_FOR_TESTS") or str(free_port())
    env.setdefault("LAKEMESH_SQL_ALLOW_CLEARTEXT_LOOPBACK", "true")
    env.pop("LAKEMESH_URL", None)
    env.pop("LAKEMESH_TOKEN", None)
    if catalog_url:
        env["LAKEMESH_CATALOG_URL"] = catalog_url
    log = (home.parent / f"server-{port}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "lakemesh.cli.main", "serve", "--migrate", *extra],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    # Generous: a server starts in seconds, but a machine shared with other test processes can stall it for a minute.
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"lakemesh serve exited with {process.returncode}; see {log.name}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError(f"lakemesh serve did not become ready in {READY_SECONDS} s; see {log.name}")
    token = (home / "admin.token").read_text().strip()
    return process, Server(url=url, token=token, home=home, env=env)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("server") / "home"
    catalog_url = create_pg_database(PG_BASE, "lakemesh_server", migrated=True) if PG_BASE else None
    process, running = start_server(home, catalog_url)
    yield running
    process.terminate()
    process.wait(timeout=20)
    log = (home.parent / f"server-{running.url.rsplit(':', 1)[1]}.log").read_text(errors="replace")
    assert "Traceback" not in log and "unexpected error" not in log, f"the server failed a request:\n{log[-4000:]}"
    if PG_BASE and catalog_url:
        drop_pg_database(PG_BASE, catalog_url)


@pytest.fixture(scope="session")
def sql_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The SQL endpoint tests' server: a small row limit for the SQL endpoint, and the SQL port known to the tests.

    One per session (per xdist worker), shared by `test_sql_endpoint.py` and `test_sql_endpoint_drivers.py` (one per
    module and worker before, ~30 s of start-up and data each): their tests only read, or change what they made
    themselves (a token of their own), and the world's names carry a random suffix."""
    home = tmp_path_factory.mktemp("sqlwire") / "home"
    catalog_url = create_pg_database(PG_BASE, "lakemesh_sqlwire", migrated=True) if PG_BASE else None
    port = free_port()
    os.environ["LAKEMESH_SQL_MAX_ROWS"] = str(MAX_ROWS)
    os.environ["LAKEMESH_SQL_PORT_FOR_TESTS"] = str(port)
    try:
        process, running = start_server(home, catalog_url)
    finally:
        os.environ.pop("LAKEMESH_SQL_MAX_ROWS", None)
        os.environ.pop("LAKEMESH_SQL_PORT_FOR_TESTS", None)
    yield running
    process.terminate()
    process.wait(timeout=20)
    log = (home.parent / f"server-{running.url.rsplit(':', 1)[1]}.log").read_text(errors="replace")
    assert "Traceback" not in log, f"the server failed:\n{log[-4000:]}"
    if PG_BASE and catalog_url:
        drop_pg_database(PG_BASE, catalog_url)


@pytest.fixture(scope="session")
def sql_world(sql_server: Server) -> dict[str, str]:
    """Sales (owner: published Customer 360, a secret table, typed values), Marketing (analyst with a grant,
    a viewer without one), on the SQL endpoint tests' server."""
    return build_sql_world(sql_server)
