"""Ingest a CSV into bronze and transform it to silver with a SQL step: Lakemesh pipeline vs raw DuckDB + deltalake.

Baseline: one script that reads the same CSV with pyarrow, writes bronze with `write_deltalake`, runs the same
SQL on DuckDB over the bronze table and writes silver with `write_deltalake`. Goal (Pipelines issue): <= 1.3x.
Also: scheduler overhead per run (tick + claim + bookkeeping of a one-step no-op pipeline), goal < 50 ms.
Run:  python3 benchmarks/pipelines.py [--rows 10000000] [--repeat 1] [--ticks 20]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from deltalake import DeltaTable, write_deltalake

from lakemesh.core.clock import FrozenClock
from lakemesh.core.settings import Settings
from lakemesh.mesh import Mesh
from lakemesh.platform import Platform

SQL = "select customer_id, count(*) as orders, sum(amount) as total from bronze_orders group by customer_id"


def make_csv(path: Path, rows: int) -> None:
    rng = np.random.default_rng(7)
    chunk = 1_000_000
    with pacsv.CSVWriter(
        str(path), pa.schema([("order_id", pa.int64()), ("customer_id", pa.string()), ("amount", pa.float64())])
    ) as out:
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            out.write_table(
                pa.table(
                    {
                        "order_id": np.arange(start, start + n, dtype=np.int64),
                        "customer_id": pa.array([f"c{i}" for i in rng.integers(0, 100_000, n)]),
                        "amount": rng.random(n) * 100,
                    }
                )
            )


def baseline(csv: Path, folder: Path) -> float:
    started = time.perf_counter()
    bronze, silver = folder / "bronze", folder / "silver"
    write_deltalake(str(bronze), pacsv.open_csv(str(csv)), mode="overwrite")
    connection = duckdb.connect()
    connection.register("bronze_orders", DeltaTable(str(bronze)).to_pyarrow_dataset())
    result = connection.sql(SQL).to_arrow_table()
    write_deltalake(str(silver), result, mode="overwrite")
    return time.perf_counter() - started


def lakemesh_run(mesh: Mesh) -> float:
    started = time.perf_counter()
    run = mesh.run_pipeline("Sales", "bench")
    elapsed = time.perf_counter() - started
    assert run.state == "succeeded", run.error
    return elapsed


def scheduler_overhead(settings: Settings, ticks: int) -> float:
    clock = FrozenClock(datetime(2025, 1, 1, tzinfo=UTC))
    platform = Platform(settings, clock=clock)
    platform.initialize()
    mesh = Mesh(platform, platform.principals.bootstrap_admin())
    mesh.create_domain_lakehouse("Ops", "ops@company.com")
    mesh.register_pipeline_step("noop", lambda context: None)
    spec = {"name": "tick", "schedule": "* * * * *", "steps": [{"name": "noop", "type": "python", "function": "noop"}]}
    mesh.apply_pipeline("Ops", spec)
    times = []
    for _ in range(ticks):
        clock.advance(timedelta(minutes=1))
        started = time.perf_counter()
        ran = platform.pipelines.tick()
        times.append(time.perf_counter() - started)
        assert len(ran) == 1
    platform.close()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--ticks", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lakemesh-bench-") as tmp:
        folder = Path(tmp)
        csv = folder / "orders.csv"
        make_csv(csv, args.rows)
        print(f"rows: {args.rows:,}  csv: {csv.stat().st_size / 1e6:.0f} MB")
        settings = Settings(home=folder / "home")
        mesh = Mesh.open(settings=settings)
        mesh.create_domain_lakehouse("Sales", "sales-steward@company.com")
        with csv.open("rb") as handle:
            mesh.upload_file("Sales", "sales_lakehouse", "in/orders.csv", handle)
        mesh.apply_pipeline(
            "Sales",
            {
                "name": "bench",
                "lakehouse": "sales_lakehouse",
                "steps": [
                    {
                        "name": "ingest",
                        "type": "ingest",
                        "source": {"files": "in/orders.csv"},
                        "target": {"table": "bronze_orders", "mode": "overwrite"},
                    },
                    {
                        "name": "silver",
                        "type": "sql",
                        "sql": SQL,
                        "target": {"table": "silver_orders", "mode": "overwrite"},
                    },
                ],
            },
        )
        ours, raw = [], []
        for index in range(args.repeat):  # side by side, alternating
            raw.append(baseline(csv, folder / f"raw{index}"))
            ours.append(lakemesh_run(mesh))
        mesh.close()
        best_ours, best_raw = min(ours), min(raw)
        print(f"raw duckdb + write_deltalake : {best_raw:7.2f} s  {args.rows / best_raw:12,.0f} rows/s")
        print(f"lakemesh pipeline (2 steps)  : {best_ours:7.2f} s  {args.rows / best_ours:12,.0f} rows/s")
        print(f"ratio lakemesh / raw         : {best_ours / best_raw:7.2f}x  (goal <= 1.3x)")
        overhead = scheduler_overhead(Settings(home=folder / "ticks"), args.ticks)
        print(f"scheduler overhead per run   : {overhead * 1000:7.1f} ms (median of {args.ticks}; goal < 50 ms)")


if __name__ == "__main__":
    main()
