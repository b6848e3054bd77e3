"""SCIM provisioning rate of `lakemesh serve` (one worker) on SQLite and PostgreSQL.

Target (issue 20): 10k SCIM user creates at >= 200/s on each backend, with one client and with several at once
(IdPs provision in parallel). Printed per run: creates/s, and the CPU time per create of the server process and
of this client process separately: unlike the rate, CPU time hardly depends on what else the machine runs, and
1000 / (server CPU ms) is the rate one core could sustain (PostgreSQL's own CPU is not in it).
`--baseline-src DIR` runs a second server from another source tree (e.g. the commit before a change) in the same
run, alternating with this tree's, so the two are compared under the same load. `--native` adds the same number
of principals created through the native REST API (`POST /api/v1/principals`) as a reference.
Run: python benchmarks/identity_scim.py [--users 10000] [--connections 1,4] [--baseline-src DIR] [--native]
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
from _harness import RunningServer, cpu_seconds, drop_pg_database, free_port, new_pg_database, postgres_available

SCIM_TOKEN = "bench-scim-token-5c1f0d9e8a7b"  # a throwaway deployment's SCIM token
USER = "urn:ietf:params:scim:schemas:core:2.0:User"


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


def start_server(catalog_url: str | None, src: str | None = None) -> RunningServer:
    """As `_harness.start_server`, but waits up to 5 minutes (on a shared, loaded machine start-up is slow), and
    imports Lakemesh from `src` when given."""
    home = Path(tempfile.mkdtemp(prefix="lakemesh-bench-")) / "home"
    port = free_port()
    env = {**os.environ, "LAKEMESH_HOME": str(home), "LAKEMESH_PORT": str(port), "LAKEMESH_SQL_PORT": str(free_port())}
    if src:
        env["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [os.environ.get("PYTHONPATH")])])
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


def timed(
    server: RunningServer, count: int, connections: int, send: Callable[[httpx.Client, int], httpx.Response]
) -> tuple[float, float, float]:
    """Creates/s, server CPU ms per create, client CPU ms per create."""
    before, client_before = cpu_seconds(server.process.pid), time.process_time()
    per_second = rate(count, connections, send, server.url)
    server_ms = (cpu_seconds(server.process.pid) - before) / count * 1000
    return per_second, server_ms, (time.process_time() - client_before) / count * 1000


def measure(label: str, catalog_url: str | None, src: str | None, users: int, connections: int, native: bool) -> str:
    server = start_server(catalog_url, src)
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:  # warm-up: first requests compile lazily
            for n in range(20):
                scim_create(client, 10_000_000 + n).raise_for_status()
        per_second, server_ms, client_ms = timed(server, users, connections, scim_create)
        verdict = "meets" if per_second >= 200 else "MISSES"
        line = (
            f"{label:<28} {connections:>2} conn  SCIM {per_second:7.1f} creates/s ({verdict} >= 200/s)"
            f"  server CPU {server_ms:5.2f} ms/create (one core: {1000 / max(server_ms, 1e-9):5.0f}/s)"
            f"  client CPU {client_ms:5.2f} ms/create"
        )
        if native:

            def principal(client: httpx.Client, n: int) -> httpx.Response:
                body = {"name": f"api-user-{n}@company.com", "display_name": f"User {n}"}
                return client.post("/api/v1/principals", json=body, headers={"Authorization": f"Bearer {server.token}"})

            native_rate, native_ms, _ = timed(server, users, connections, principal)
            line += (
                f"\n{'':<37}native POST /api/v1/principals {native_rate:7.1f}/s  server CPU {native_ms:5.2f} ms/create"
            )
    finally:
        server.stop()
    print(line, flush=True)
    return line


def catalogs() -> list[tuple[str, str | None]]:
    return [("SQLite", None), *([("PostgreSQL", "pg")] if postgres_available() else [])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--connections", default="1,4", help="comma-separated numbers of concurrent clients")
    parser.add_argument("--baseline-src", help="source tree (its src/ directory) of a baseline server to compare")
    parser.add_argument("--native", action="store_true", help="also create principals over the native REST API")
    args = parser.parse_args()
    os.environ["LAKEMESH_SCIM_TOKEN"] = SCIM_TOKEN  # the server is started with this environment
    os.environ["LAKEMESH_SCHEDULER"] = "false"
    here = str(Path(__file__).resolve().parent.parent / "src")
    trees = [("this tree", here), *([("baseline", args.baseline_src)] if args.baseline_src else [])]
    print(f"{args.users} users per run, one server process, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    if not postgres_available():
        print("PostgreSQL  not reachable (LAKEMESH_BENCH_PG_URL): skipped")
    for catalog, which in catalogs():
        for connections in (int(c) for c in args.connections.split(",")):
            for tree, src in trees:
                url = new_pg_database() if which else None
                try:
                    measure(f"{catalog}, {tree}", url, src, args.users, connections, args.native)
                finally:
                    if url:
                        drop_pg_database(url)


if __name__ == "__main__":
    main()
