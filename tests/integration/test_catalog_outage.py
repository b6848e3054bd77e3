"""PostgreSQL going away under a running server: requests fail fast with 503 and recover without a restart.

The test starts a private PostgreSQL cluster of its own (never the shared one other tests use) and stops it
the hard way (`pg_ctl stop -m immediate`, like a crash), then starts it again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.integration.conftest import free_port, start_server

BIN = Path("/usr/lib/postgresql/15/bin")


@dataclass
class PrivateCluster:
    data: Path
    root: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        command = [str(BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "postgres.log"), "-o", options]
        _as_postgres([*command, "-w", *args])

    def start(self) -> None:
        self.ctl("start")

    def crash(self) -> None:
        self.ctl("stop", "-m", "immediate")


def _as_postgres(command: list[str]) -> None:
    """initdb and postgres refuse to run as root: run them as the postgres user then."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=60)


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    if not (BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL 15 server binaries not found in {BIN}")
    root = Path(tempfile.mkdtemp(prefix="lakemesh-outage-"))  # not under pytest's 0700 tmp: postgres must enter it
    root.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data = root / "data"
    cluster = PrivateCluster(data=data, root=root, port=free_port())
    try:
        _as_postgres([str(BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"])
        cluster.start()
        yield cluster
    finally:
        if (data / "postmaster.pid").exists():
            cluster.crash()
        shutil.rmtree(root, ignore_errors=True)


def test_requests_fail_fast_with_503_while_the_catalog_is_down_and_recover_after(
    cluster: PrivateCluster, tmp_path: Path
) -> None:
    process, server = start_server(tmp_path / "home", cluster.url)
    try:
        with server.client() as http:
            http.timeout = httpx.Timeout(20)  # an answer, not a hang: well under a TCP timeout
            assert http.post("/api/v1/domains", json={"name": "Before"}).status_code == 201

            cluster.crash()
            for call in (
                lambda: http.get("/api/v1/domains"),
                lambda: http.post("/api/v1/domains", json={"name": "During"}),
                lambda: http.get("/api/v1/domains/before"),
            ):
                response = call()
                assert response.status_code == 503, response.text
                assert response.headers["content-type"].startswith("application/problem+json")
                assert int(response.headers["retry-after"]) > 0
                body = response.json()
                assert body["status"] == 503 and "catalog" in body["detail"].lower()
            assert httpx.get(f"{server.url}/readyz", timeout=20).status_code == 503

            cluster.start()
            _wait_ready(server.url)
            assert process.poll() is None  # the same server process, no restart
            names = [d["name"] for d in http.get("/api/v1/domains").json()["items"]]
            assert "before" in [n.lower() for n in names] and "during" not in [n.lower() for n in names]
            assert http.post("/api/v1/domains", json={"name": "After"}).status_code == 201
            assert http.get("/api/v1/domains/after").status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=20)
    log = next(tmp_path.glob("server-*.log")).read_text(errors="replace")
    assert "Traceback" not in log, f"the server failed a request instead of answering 503:\n{log[-4000:]}"


def _wait_ready(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=10).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("the server did not become ready again after PostgreSQL came back")
