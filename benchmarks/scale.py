"""Scale-out: API throughput with two `lakemesh serve` replicas on one PostgreSQL catalog vs one replica, and
(from benchmarks/scale_ray.py, when present) the Ray executor vs the local one.

Baseline: one replica on the same PostgreSQL database, measured in the same run. There is no load balancer:
wrk drives each replica at the same time and the rates are summed. On a 2-core machine the replicas, PostgreSQL
and wrk share the cores, so the ratio shows the overhead of coordination rather than a linear gain.
Run: python benchmarks/scale.py [--part replicas|ray|all] [--seconds 10] [--connections 16]
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from _harness import RunningServer, drop_pg_database, free_port, new_pg_database, postgres_available
from api_throughput import wrk

PATHS = (("GET domain", "/api/v1/domains/domain-7"), ("list domains", "/api/v1/domains"))


def start_replica(home: Path, catalog_url: str) -> RunningServer:
    """One `lakemesh serve` on the shared catalog and home (so the same data root and admin token)."""
    port = free_port()
    env = {**os.environ, "LAKEMESH_HOME": str(home), "LAKEMESH_PORT": str(port), "LAKEMESH_CATALOG_URL": catalog_url}
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "lakemesh", "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.perf_counter() - started > 60:
            raise RuntimeError("a replica did not start")
        time.sleep(0.05)
    token = (home / "admin.token").read_text().strip()
    return RunningServer(process, url, token, time.perf_counter() - started)


def concurrent_rates(servers: list[RunningServer], path: str, seconds: int, connections: int) -> list[float]:
    """wrk against every replica at once; each replica's own req/s."""
    with ThreadPoolExecutor(len(servers)) as pool:
        runs = [pool.submit(wrk, s.url + path, s.token, seconds, connections) for s in servers]
        return [run.result()[0] for run in runs]


def replicas(seconds: int, connections: int) -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    if not postgres_available():
        sys.exit("replicas need PostgreSQL (LAKEMESH_BENCH_PG_URL)")
    catalog_url = new_pg_database()
    home = Path(tempfile.mkdtemp(prefix="lakemesh-scale-")) / "home"
    subprocess.run(
        [sys.executable, "-m", "lakemesh", "db", "upgrade"],
        env={**os.environ, "LAKEMESH_HOME": str(home), "LAKEMESH_CATALOG_URL": catalog_url},
        check=True,
        capture_output=True,
    )
    servers: list[RunningServer] = []
    try:
        servers.append(start_replica(home, catalog_url))
        with httpx.Client(base_url=servers[0].url, headers={"Authorization": f"Bearer {servers[0].token}"}) as http:
            for index in range(20):
                http.post("/api/v1/domains", json={"name": f"Domain {index}"}).raise_for_status()
        one = {label: concurrent_rates(servers, path, seconds, connections)[0] for label, path in PATHS}
        servers.append(start_replica(home, catalog_url))
        for label, path in PATHS:
            rates = concurrent_rates(servers, path, seconds, connections)
            total = sum(rates)
            print(
                f"[replicas] {label:12s} one replica {one[label]:7.0f} req/s | two replicas {total:7.0f} req/s "
                f"({' + '.join(f'{r:.0f}' for r in rates)}) | ratio {total / one[label]:.2f}x "
                f"(baseline: one replica, same PostgreSQL, {os.cpu_count()} cores)"
            )
    finally:
        for server in servers:
            server.stop()
        drop_pg_database(catalog_url)
        shutil.rmtree(home.parent, ignore_errors=True)


def ray_section(argv: list[str]) -> None:
    if importlib.util.find_spec("scale_ray") is None:
        print("[ray] benchmarks/scale_ray.py is not present; skipped")
        return
    module = importlib.import_module("scale_ray")
    module.main(argv)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--part", choices=("replicas", "ray", "all"), default="all")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args, rest = parser.parse_known_args(argv)
    if args.part in ("replicas", "all"):
        replicas(args.seconds, args.connections)
    if args.part in ("ray", "all"):
        ray_section(rest)


if __name__ == "__main__":
    main()
