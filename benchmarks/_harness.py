"""Shared by the benchmark scripts: start a real `lakemesh serve` and time things."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_BASE = os.environ.get("LAKEMESH_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@dataclass
class RunningServer:
    process: subprocess.Popen[bytes]
    url: str
    token: str
    ready_seconds: float

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_available() -> bool:
    try:
        engine = create_engine(PG_BASE)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def new_pg_database() -> str:
    name = f"lakemesh_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(PG_BASE).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    engine = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    engine.dispose()


def start_server(catalog_url: str | None = None, *args: str) -> RunningServer:
    home = Path(tempfile.mkdtemp(prefix="lakemesh-bench-")) / "home"
    port = free_port()
    env = {**os.environ, "LAKEMESH_HOME": str(home), "LAKEMESH_PORT": str(port)}
    if catalog_url:
        env["LAKEMESH_CATALOG_URL"] = catalog_url
        subprocess.run([sys.executable, "-m", "lakemesh", "db", "upgrade"], env=env, check=True, capture_output=True)
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "lakemesh", "serve", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.perf_counter() - started > 60:
            raise RuntimeError("server did not start")
        time.sleep(0.02)
    ready = time.perf_counter() - started
    return RunningServer(process, url, (home / "admin.token").read_text().strip(), ready)
