"""dlt and dbt on Lakemesh against their own local baselines (issue 29).

1. dlt: load N rows (default 1M) from a local PostgreSQL table with dlt's `sql_database` (pyarrow backend) into
   Lakemesh (`lakemesh.dlt.destination`, in-process home) vs dlt's own `filesystem` destination writing Delta to a
   local folder. Goal: <= 1.3x.
2. dbt: `dbt build` of examples/dbt_customer360 on Lakemesh (`lakemesh.dbt.build.build`: sources read through
   Lakemesh, models written back through the write path, lineage) vs the same project on plain dbt-duckdb with its
   sources as local Parquet files. Goal: <= 1.5x.
Run:  python3 benchmarks/dlt_dbt.py [--rows 1000000] [--customers 100000] [--skip-dlt] [--skip-dbt]
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

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from benchmarks._harness import drop_pg_database, new_pg_database, postgres_available
from sqlalchemy import create_engine, text

from lakemesh.mesh import Mesh

EXAMPLE = Path(__file__).parents[1] / "examples" / "dbt_customer360"


def fill_postgres(url: str, rows: int) -> None:
    engine = create_engine(url)
    with engine.begin() as con:
        con.execute(
            text("CREATE TABLE customers (id BIGINT PRIMARY KEY, name TEXT, amount FLOAT8, created TIMESTAMPTZ)")
        )
        con.execute(
            text(
                "INSERT INTO customers SELECT g, 'customer ' || g, (g % 1000) / 10.0, "
                "timestamptz '2026-01-01' + g * interval '1 second' FROM generate_series(1, :rows) AS g"
            ),
            {"rows": rows},
        )
    engine.dispose()


def time_dlt(url: str, destination: object, folder: Path, name: str, **run: object) -> float:
    import dlt
    from dlt.sources.sql_database import sql_database

    pipeline = dlt.pipeline(pipeline_name=name, destination=destination, pipelines_dir=str(folder / "dlt"))
    source = sql_database(url, backend="pyarrow", chunk_size=100_000).with_resources("customers")
    started = time.perf_counter()
    pipeline.run(source, **run)
    return time.perf_counter() - started


def bench_dlt(rows: int) -> None:
    import dlt

    import lakemesh.dlt

    if not postgres_available():
        print("dlt: skipped (no local PostgreSQL)")
        return
    url = new_pg_database()
    try:
        fill_postgres(url, rows)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            baseline = dlt.destinations.filesystem(bucket_url=(folder / "delta").as_uri())
            base = time_dlt(url, baseline, folder, "baseline", table_format="delta")
            with Mesh.open(folder / "home") as mesh:
                mesh.create_domain("Bench")
                mesh.create_lakehouse("Bench", "raw")
                destination = lakemesh.dlt.destination(domain="Bench", lakehouse="raw", mesh=mesh)
                ours = time_dlt(url, destination, folder, "lakemesh")
                loaded = mesh.get_table("Bench", "raw", "customers").row_count
        assert loaded == rows, f"loaded {loaded} of {rows} rows"
        print(
            f"dlt {rows:,} rows from PostgreSQL: Lakemesh {ours:.2f} s, filesystem+Delta {base:.2f} s, "
            f"ratio {ours / base:.2f}x (goal <= 1.3x)"
        )
    finally:
        drop_pg_database(url)


def sample(customers: int) -> tuple[pa.Table, pa.Table]:
    rng = np.random.default_rng(7)
    ids = [f"C{i:07d}" for i in range(customers)]
    people = pa.table(
        {
            "customer_id": ids,
            "full_name": [f"name {i}" for i in range(customers)],
            "email": [f"c{i}@example.com" for i in range(customers)],
        }
    )
    n = customers * 2
    orders = pa.table(
        {
            "order_id": [f"O{i:08d}" for i in range(n)],
            "customer_id": [ids[i] for i in rng.integers(0, customers, n)],
            "amount": np.round(rng.lognormal(4.0, 1.0, n), 2),
        }
    )
    return people, orders


def plain_project(folder: Path, people: pa.Table, orders: pa.Table) -> Path:
    """The example project on plain dbt-duckdb: the same models, its sources as local Parquet files."""
    project = Path(shutil.copytree(EXAMPLE, folder / "plain"))
    pq.write_table(people, folder / "bronze_crm_customers.parquet")
    pq.write_table(orders, folder / "silver_orders.parquet")
    sources = yaml.safe_load((project / "models" / "sources.yml").read_text())
    sources["sources"][0]["meta"] = {"external_location": str(folder / "{name}.parquet")}
    (project / "models" / "sources.yml").write_text(yaml.safe_dump(sources))
    profile = {
        "customer360": {
            "target": "plain",
            "outputs": {"plain": {"type": "duckdb", "path": str(folder / "plain.duckdb")}},
        }
    }
    (project / "profiles.yml").write_text(yaml.safe_dump(profile))
    return project


def bench_dbt(customers: int) -> None:
    from lakemesh.dbt.build import build

    people, orders = sample(customers)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        plain = plain_project(folder, people, orders)
        started = time.perf_counter()
        argv = [
            sys.executable,
            "-m",
            "dbt.cli.main",
            "build",
            "--project-dir",
            str(plain),
            "--profiles-dir",
            str(plain),
        ]
        subprocess.run(argv, cwd=plain, check=True, capture_output=True, env=os.environ.copy())
        base = time.perf_counter() - started
        started = time.perf_counter()
        subprocess.run(argv, cwd=plain, check=True, capture_output=True, env=os.environ.copy())
        base_again = time.perf_counter() - started

        home = folder / "home"
        with Mesh.open(home) as mesh:
            mesh.create_domain("Sales")
            mesh.create_lakehouse("Sales", "sales_lakehouse")
            mesh.write_table("Sales", "sales_lakehouse", "bronze_crm_customers", people)
            mesh.write_table("Sales", "sales_lakehouse", "silver_orders", orders)
            project = Path(shutil.copytree(EXAMPLE, folder / "lakemesh"))
            started = time.perf_counter()
            build(mesh, project, domain="Sales", lakehouse="sales_lakehouse", home=home)
            ours = time.perf_counter() - started
            started = time.perf_counter()  # the incremental model sends only what changed: here, nothing
            again = build(mesh, project, domain="Sales", lakehouse="sales_lakehouse", home=home)
            ours_again = time.perf_counter() - started
    print(
        f"dbt build, {customers:,} customers / {2 * customers:,} orders: Lakemesh {ours:.2f} s, plain dbt-duckdb "
        f"over Parquet {base:.2f} s, ratio {ours / base:.2f}x (goal <= 1.5x)"
    )
    sent = {name: w.rows_written for name, w in again.written.items()}
    print(
        f"dbt build again, unchanged sources: Lakemesh {ours_again:.2f} s (rows sent {sent}), plain dbt-duckdb "
        f"{base_again:.2f} s, ratio {ours_again / base_again:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--skip-dlt", action="store_true")
    parser.add_argument("--skip-dbt", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    if not args.skip_dlt:
        bench_dlt(args.rows)
    if not args.skip_dbt:
        bench_dbt(args.customers)


if __name__ == "__main__":
    main()
