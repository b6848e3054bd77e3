"""API throughput and latency of `lakemesh serve` (one worker) on SQLite and PostgreSQL, driven by wrk.

Targets (Foundation issue): >= 500 req/s and p99 < 100 ms for GET domain and list domains on 2 cores;
`lakemesh serve` ready in < 2 s; `lakemesh --help` in < 0.5 s. Start-up is reported twice: the first start of a
new home (it creates and migrates the catalog) and restarts of that home, with Python's bytecode cache allowed as
on any Python install (this machine sets PYTHONDONTWRITEBYTECODE, which makes every start compile the package).
Run: python benchmarks/api_throughput.py [--seconds 10] [--connections 16]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _harness import drop_pg_database, free_port, new_pg_database, postgres_available, start_server, wrk


def cli_help_seconds(runs: int = 5) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(["lakemesh", "--help"], capture_output=True, check=True)
        best = min(best, time.perf_counter() - started)
    return best


def ready_seconds(env: dict[str, str]) -> float:
    """Seconds from `lakemesh serve` to its first 200 on /readyz."""
    url = f"http://127.0.0.1:{env['LAKEMESH_PORT']}"
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "lakemesh", "serve"], env=env, stdout=subprocess.DEVNULL)
    try:
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.perf_counter() - started > 60:
                raise RuntimeError("server did not start")
            time.sleep(0.02)
    finally:
        process.terminate()
        process.wait(timeout=20)


def startup(catalog_url: str | None, restarts: int = 3) -> tuple[float, float]:
    """The first start of a new home, and the best restart of it (bytecode cache allowed, as on any install)."""
    home = Path(tempfile.mkdtemp(prefix="lakemesh-start-")) / "home"
    env = {**os.environ, "LAKEMESH_HOME": str(home), "LAKEMESH_PORT": str(free_port())}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if catalog_url:
        env["LAKEMESH_CATALOG_URL"] = catalog_url
        subprocess.run([sys.executable, "-m", "lakemesh", "db", "upgrade"], env=env, check=True, capture_output=True)
    first = ready_seconds(env)
    return first, min(ready_seconds(env) for _ in range(restarts))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    backends: list[tuple[str, str | None]] = [("sqlite", None)]
    if postgres_available():
        backends.append(("postgresql", new_pg_database()))
    print(f"lakemesh --help: {cli_help_seconds() * 1000:.0f} ms (target < 500 ms)")
    for name, catalog_url in backends:
        startup_catalog = new_pg_database() if catalog_url else None  # its own: start-up bootstraps an admin
        try:
            first, restart = startup(startup_catalog)
        finally:
            if startup_catalog:
                drop_pg_database(startup_catalog)
        verdict = "ok" if restart < 2 else "MISSED"
        print(f"[{name}] serve ready: first start {first:.2f} s, restart {restart:.2f} s (target < 2 s) {verdict}")
        server = start_server(catalog_url)
        try:
            with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {server.token}"}) as http:
                for index in range(20):
                    http.post("/api/v1/domains", json={"name": f"Domain {index}"}).raise_for_status()
            print(f"[{name}] serve ready in {server.ready_seconds:.2f} s with no bytecode cache (this machine)")
            for label, path in (("GET domain", "/api/v1/domains/domain-7"), ("list domains", "/api/v1/domains")):
                run = wrk(server.url + path, server.token, args.seconds, args.connections)
                rps, p99 = run.rps, run.p99_ms
                verdict = "ok" if rps >= 500 and p99 < 100 else "MISSED"
                print(
                    f"[{name}] {label:12s} {rps:8.0f} req/s  p99 {p99:6.1f} ms  "
                    f"(target >= 500 req/s, p99 < 100 ms: {rps / 500:.2f}x of target rate) {verdict}"
                )
        finally:
            server.stop()
            if catalog_url:
                drop_pg_database(catalog_url)


if __name__ == "__main__":
    main()
