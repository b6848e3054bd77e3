"""Profiling all columns of a Customer 360 table vs DuckDB's SUMMARIZE over the same files, side by side.

(a) `mesh.profile_table` as the owner (one figures scan + one distributions pass, stored in `data_profiles`);
(b) `SUMMARIZE SELECT * FROM read_parquet([...the table's current files...])` in a fresh DuckDB connection.
Both run in this process, best of `--repeat`. Goal (issue 26): (a) <= 1.5x (b). Also prints the error of the
approximate distinct counts against exact `count(DISTINCT ...)`. Run:
    python3 benchmarks/profiles.py [--rows 10000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from lakemesh.core.settings import Settings
from lakemesh.mesh import Mesh
from lakemesh.platform import Platform

CHUNK = 1_000_000
TABLE = ("Sales", "sales_lakehouse", "gold_customer_360")


def chunk(start: int, n: int, rng: np.random.Generator) -> pa.Table:
    ids = np.arange(start, start + n)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    cents = rng.integers(0, 10_000_000, n)
    return pa.table(
        {
            "customer_id": pa.array([f"C{i:09d}" for i in ids]),
            "email": pa.array([f"user{i}@example.com" for i in ids]),
            "lifetime_value": pa.array([Decimal(int(c)) / 100 for c in cents], pa.decimal128(18, 2)),
            "segment": pa.array(rng.choice(["Enterprise", "SMB", "Consumer", None], n).tolist()),
            "churn_risk": pa.array(rng.random(n)),
            "last_updated": pa.array(
                [now - timedelta(minutes=int(m)) for m in rng.integers(0, 60 * 24 * 30, n)],
                pa.timestamp("us", tz="UTC"),
            ),
        }
    )


def best(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        platform = Platform(Settings(home=Path(home), profile_interval="off"))
        platform.initialize()
        mesh = Mesh(platform, platform.principals.bootstrap_admin())
        mesh.create_domain("Sales")
        mesh.create_lakehouse("Sales", "sales_lakehouse")
        rng = np.random.default_rng(7)
        for start in range(0, args.rows, CHUNK):
            mesh.write_table(*TABLE, chunk(start, min(CHUNK, args.rows - start), rng), mode="append")
        uri = platform.tables.root.table_uri("sales", "sales_lakehouse", "gold_customer_360")
        files = [u.removeprefix("file://") for u in platform.delta.open(uri).file_uris()]

        def summarize() -> object:
            with duckdb.connect() as con:
                return con.execute("SUMMARIZE SELECT * FROM read_parquet(?)", [files]).fetchall()

        ours = best(args.repeat, lambda: mesh.profile_table(*TABLE))
        theirs = best(args.repeat, summarize)
        print(f"rows: {args.rows:,}, columns: 6, files: {len(files)}")
        print(f"(a) profile_table:     {ours:8.3f} s")
        print(f"(b) DuckDB SUMMARIZE:  {theirs:8.3f} s")
        print(f"ratio (a)/(b): {ours / theirs:.2f}x (goal <= 1.5x)")
        profile = mesh.get_table_profile(*TABLE)
        with duckdb.connect() as con:
            for column in profile.columns:
                exact = con.execute(f'SELECT count(DISTINCT "{column.name}") FROM read_parquet(?)', [files]).fetchone()
                approx = column.distinct or 0
                error = abs(approx - exact[0]) / max(exact[0], 1)
                print(f"  distinct {column.name:15s} approx {approx:>12,} exact {exact[0]:>12,} error {error:.1%}")
        platform.close()


if __name__ == "__main__":
    main()
