"""Shared by the benchmark scripts: start a real `lakemesh serve` and time things."""

from __future__ import annotations

import os
import re
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


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """User + system CPU of a process so far, with its waited-for children if asked (/proc/<pid>/stat fields
    14-17): a figure the machine's other load does not inflate. 0 when the process is gone or not on Linux."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(f) for f in fields[11 : 15 if children else 13]) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class WrkRun:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int


def wrk(url: str, token: str, seconds: int, connections: int = 16) -> WrkRun:
    """One wrk run (Debian package `wrk`) with the bearer token; a non-2xx answer fails the run."""
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", f"Authorization: Bearer {token}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"errors during the run:\n{out}")
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    count = re.search(r"(\d+) requests in", out)
    assert rps and p50 and p99 and count, out
    return WrkRun(
        float(rps.group(1)),
        float(p50.group(1)) * unit[p50.group(2)],
        float(p99.group(1)) * unit[p99.group(2)],
        int(count.group(1)),
    )
