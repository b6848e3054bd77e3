"""SCIM provisioning rate of `lakemesh serve` (one worker) on SQLite and PostgreSQL.

Target (issue 20): 10k SCIM user creates at >= 200/s on each backend. Baseline, side by side: the same number of
principals created through the native REST API (`POST /api/v1/principals`), so the ratio shows what SCIM's
protocol layer (scim2-server: parsing, validation, rendering) costs over the same catalog writes. The server
process's CPU time per create is printed too: unlike the rate it hardly depends on what else the machine runs,
and 1000 / (CPU ms) is the rate one core could sustain (PostgreSQL's own CPU is not in it).
Run: python benchmarks/identity_scim.py [--users 10000] [--connections 8]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from _harness import RunningServer, drop_pg_database, free_port, new_pg_database, postgres_available

SCIM_TOKEN = "bench-scim-token-5c1f0d9e8a7b"  # a throwaway deployment's SCIM token
USER = "urn:ietf:params:scim:schemas:core:2.0:User"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rate(count: int, connections: int, send: Callable[[httpx.Client, int], httpx.Response], base: str) -> float:
    """Creates per second over `count` requests spread on `connections` keep-alive clients."""
    clients = [httpx.Client(base_url=base, timeout=120) for _ in range(connections)]

    def run(worker: int) -> None:
        for n in range(worker, count, connections):
            response = send(clients[worker], n)
            if response.status_code != 201:
                raise RuntimeError(f"{response.status_code}: {response.text[:300]}")

    started = time.perf_counter()
    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(run, range(connections)))
    elapsed = time.perf_counter() - started
    for client in clients:
        client.close()
    return count / elapsed


def scim_create(client: httpx.Client, n: int) -> httpx.Response:
    body = {
        "schemas": [USER],
        "userName": f"scim-user-{n}@company.com",
        "externalId": f"00u{n}",
        "name": {"givenName": "User", "familyName": str(n)},
        "emails": [{"value": f"scim-user-{n}@company.com", "primary": True}],
        "active": True,
    }
    headers = {"Authorization": f"Bearer {SCIM_TOKEN}", "Content-Type": "application/scim+json"}
    return client.post("/scim/v2/Users", json=body, headers=headers)


def start_server(catalog_url: str | None) -> RunningServer:
    """As `_harness.start_server`, but waits up to 5 minutes: on a shared, loaded machine start-up is slow."""
    home = Path(tempfile.mkdtemp(prefix="lakemesh-bench-")) / "home"
    port = free_port()
    env = {**os.environ, "LAKEMESH_HOME": str(home), "LAKEMESH_PORT": str(port), "LAKEMESH_SQL_PORT": str(free_port())}
    if catalog_url:
        env["LAKEMESH_CATALOG_URL"] = catalog_url
    command = [sys.executable, "-m", "lakemesh", "serve", "--migrate", "--no-sql"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.perf_counter()
    url = f"http://127.0.0.1:{port}"
    while time.perf_counter() - started < 300:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                token = (home / "admin.token").read_text().strip()
                return RunningServer(process, url, token, time.perf_counter() - started)
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("lakemesh serve did not start")


def measure(label: str, catalog_url: str | None, users: int, connections: int) -> None:
    server = start_server(catalog_url)
    pid = server.process.pid
    try:
        before = cpu_seconds(pid)
        scim = rate(users, connections, scim_create, server.url)
        scim_cpu = (cpu_seconds(pid) - before) / users * 1000

        def native(client: httpx.Client, n: int) -> httpx.Response:
            body = {"name": f"api-user-{n}@company.com", "display_name": f"User {n}"}
            return client.post("/api/v1/principals", json=body, headers={"Authorization": f"Bearer {server.token}"})

        before = cpu_seconds(pid)
        baseline = rate(users, connections, native, server.url)
        native_cpu = (cpu_seconds(pid) - before) / users * 1000
    finally:
        server.stop()
    verdict = "meets" if scim >= 200 else "MISSES"
    print(
        f"{label:<11} SCIM POST /Users: {scim:7.1f} creates/s ({verdict} >= 200/s)   "
        f"native POST /api/v1/principals: {baseline:7.1f}/s   SCIM/native: {scim / baseline:4.2f}x\n"
        f"{'':<11} server CPU per create: SCIM {scim_cpu:5.2f} ms (one core: {1000 / max(scim_cpu, 1e-9):5.0f}/s)   "
        f"native {native_cpu:5.2f} ms (one core: {1000 / max(native_cpu, 1e-9):5.0f}/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    os.environ["LAKEMESH_SCIM_TOKEN"] = SCIM_TOKEN  # the harness starts the server with this environment
    os.environ["LAKEMESH_SCHEDULER"] = "false"
    print(f"{args.users} users per run, {args.connections} connections, one server process, {os.cpu_count()} CPUs")
    measure("SQLite", None, args.users, args.connections)
    if postgres_available():
        url = new_pg_database()
        try:
            measure("PostgreSQL", url, args.users, args.connections)
        finally:
            drop_pg_database(url)
    else:
        print("PostgreSQL  not reachable (LAKEMESH_BENCH_PG_URL): skipped")


if __name__ == "__main__":
    main()
