"""Engines through the Unity Catalog API: Daft reading a table by name through a running Lakemesh vs Daft's
`read_deltalake` on the same path (goal <= 1.1x plus the catalog round trips, reported apart), and listing
10,000 tables with the official `unitycatalog-client` SDK (goal <= 1 s). Prints figures and ratios.

`--rows` (default 10M) rows of (id, value, segment) and `--tables` (default 10,000) listed tables; `--rows 0`
measures the listing only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import daft
import httpx
import numpy as np
import pyarrow as pa
from benchmarks._harness import cpu_seconds, free_port
from daft.catalog.__unity import UnityCatalogClient
from unitycatalog.client import ApiClient, Configuration, TablesApi

from lakemesh.catalog.tables.lakehouses import TableRow
from lakemesh.core.ids import new_id
from lakemesh.core.settings import Settings
from lakemesh.mesh import Mesh
from lakemesh.platform import Platform

BATCH = 1_000_000


def interleaved(readers: dict[str, Callable[[], object]], runs: int) -> dict[str, float]:
    """Best of `runs` for each reader, taking turns so a busy machine slows every reader alike."""
    times: dict[str, list[float]] = {name: [] for name in readers}
    for _ in range(runs):
        for name, read in readers.items():
            start = time.perf_counter()
            read()
            times[name].append(time.perf_counter() - start)
    return {name: min(values) for name, values in times.items()}


def prepare(home: Path, rows: int, listed: int) -> str:
    """`rows` rows in sales.lh.big, and `listed` catalog-only tables in sales.many; returns big's path."""
    platform = Platform(Settings(home=home, data_root=None))
    platform.initialize()
    mesh = Mesh(platform, platform.principals.bootstrap_admin())
    mesh.create_domain("Sales")
    mesh.create_lakehouse("Sales", "lh")
    mesh.create_lakehouse("Sales", "many")
    rng = np.random.default_rng(7)
    started = time.perf_counter()
    for start in range(0, rows, BATCH):
        n = min(BATCH, rows - start)
        batch = {"id": np.arange(start, start + n), "value": rng.random(n), "segment": rng.choice(["a", "b", "c"], n)}
        mesh.write_table("Sales", "lh", "big", pa.table(batch))
    print(f"wrote {rows:,} rows in {time.perf_counter() - started:.1f}s")
    many, domain_id = mesh.get_lakehouse("Sales", "many"), mesh.get_domain("Sales").id
    now = datetime.now(UTC)
    columns = [{"name": "id", "type": "int64", "nullable": True, "description": "", "sensitivity_label": None}]
    with platform.catalog.transaction() as session:  # catalog rows only: listing never reads a Delta log
        session.add_all(
            TableRow(
                id=new_id("tbl"),
                lakehouse_id=many.id,
                domain_id=domain_id,
                name=f"t{i:05d}",
                layer=None,
                description="",
                columns=columns,
                partition_columns=[],
                properties={},
                created_by="bench",
                created_at=now,
                updated_at=now,
            )
            for i in range(listed)
        )
    uri = platform.data_root.table_uri("sales", "lh", "big")
    platform.close()
    return uri


def serve(home: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    port = free_port()
    env = {**os.environ, "LAKEMESH_HOME": str(home), "LAKEMESH_PORT": str(port)}
    process = subprocess.Popen(
        [sys.executable, "-m", "lakemesh", "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    return process, url, (home / "admin.token").read_text().strip()


async def list_all(url: str, token: str) -> int:
    client = ApiClient(Configuration(host=f"{url}/api/2.1/unity-catalog"))
    client.set_default_header("Authorization", f"Bearer {token}")
    async with client:
        api, token_, count = TablesApi(client), None, 0
        while True:
            page = await api.list_tables(catalog_name="sales", schema_name="many", page_token=token_)
            count += len(page.tables or [])
            token_ = page.next_page_token
            if not token_:
                return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows Daft reads (0: skip the read)")
    parser.add_argument("--tables", type=int, default=10_000, help="tables listed with the SDK")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="lakemesh-bench-")) / "home"
    uri = prepare(home, args.rows, args.tables)
    process, url, token = serve(home)
    try:
        if args.rows:
            read(url, token, uri, args.rows)
        listing(process, url, token, args.tables)
    finally:
        process.terminate()
        process.wait(timeout=20)


def read(url: str, token: str, uri: str, rows: int) -> None:
    client = UnityCatalogClient(url, token=token)
    name = "sales.lh.big"

    def through_catalog() -> int:
        return daft.read_deltalake(client.load_table(name, operation="READ")).to_arrow().num_rows

    def direct() -> int:
        return daft.read_deltalake(uri).to_arrow().num_rows

    assert through_catalog() == direct() == rows
    lookups = interleaved({"load_table": lambda: client.load_table(name, operation="READ")}, runs=10)
    figures = interleaved({"catalog": through_catalog, "direct": direct}, runs=7)
    trips = lookups["load_table"]
    print(f"Daft read of {rows:,} rows (best of 7, interleaved):")
    print(f"  read_deltalake(path) (baseline)        {figures['direct']:.3f}s")
    ratio = figures["catalog"] / figures["direct"]
    print(f"  through the catalog (load_table+read)  {figures['catalog']:.3f}s, ratio {ratio:.3f}x")
    print(f"  catalog round trips (GET table + POST credentials), best of 10: {trips * 1000:.1f} ms")
    print(f"  ratio without the round trips: {(figures['catalog'] - trips) / figures['direct']:.3f}x (goal <= 1.1x)")


def listing(process: subprocess.Popen[bytes], url: str, token: str, tables: int) -> None:
    asyncio.run(list_all(url, token))  # warm
    runs, cpu = [], []
    for _ in range(5):
        started, server_cpu, client_cpu = time.perf_counter(), cpu_seconds(process.pid), time.process_time()
        listed = asyncio.run(list_all(url, token))
        runs.append(time.perf_counter() - started)
        cpu.append(cpu_seconds(process.pid) - server_cpu + time.process_time() - client_cpu)
    assert listed == tables, listed
    print(f"list {tables:,} tables with unitycatalog-client (pages of 1000), best of 5 (goal 1s):")
    print(f"  wall {min(runs):.3f}s; CPU of server + client {min(cpu):.3f}s (what an idle machine's wall would be)")
    print(f"  load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
