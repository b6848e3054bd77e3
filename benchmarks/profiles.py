"""Profiling all columns of a Customer 360 table vs DuckDB's SUMMARIZE over the same files, side by side.

(a) `mesh.profile_table` as the owner (one figures scan + one distributions pass, stored in `data_profiles`);
(b) `SUMMARIZE SELECT * FROM read_parquet([...the table's current files...])` in a fresh DuckDB connection.
Both run in this process, best of `--repeat`. Goal (issue 26): (a) <= 1.5x (b). Also prints the error of the
approximate distinct counts against exact `count(DISTINCT ...)`.
(c) incremental vs (d) full profile after appending 1% of the rows, side by side: each repeat appends 1% (not
timed), profiles incrementally (the previous profile + the appended file), then in full (wall and this
process's CPU, DuckDB's threads included). Then the incremental figures' differences from the full ones. Run:
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


def timed(run: Callable[[], object]) -> tuple[float, float, object]:
    """Wall and CPU seconds of one run (CPU: this process, DuckDB's threads included), and its result."""
    started, cpu = time.perf_counter(), time.process_time()
    result = run()
    return time.perf_counter() - started, time.process_time() - cpu, result


def appended_side_by_side(mesh: Mesh, rows: int, repeat: int, rng: np.random.Generator) -> None:
    share = max(rows // 100, 1)
    incremental: list[tuple[float, float]] = []
    complete: list[tuple[float, float]] = []
    last: tuple[object, object] = (None, None)
    for r in range(repeat):
        mesh.write_table(*TABLE, chunk(rows + r * share, share, rng), mode="append")
        wall, cpu, ours = timed(lambda: mesh.profile_table(*TABLE))
        assert getattr(ours, "method", None) == "incremental", "expected an incremental profile"
        incremental.append((wall, cpu))
        wall, cpu, theirs = timed(
            lambda: mesh.platform.profiles.profile(mesh.principal, *TABLE, refresh=True, full=True)
        )
        complete.append((wall, cpu))
        last = (ours, theirs)
    inc, full = min(incremental), min(complete)
    print(f"after appending {share:,} rows (1%), best of {repeat}:    wall s    CPU s")
    print(f"(c) incremental profile:                {inc[0]:8.3f} {inc[1]:8.3f}")
    print(f"(d) full profile:                       {full[0]:8.3f} {full[1]:8.3f}")
    print(f"ratio (d)/(c): {full[0] / inc[0]:.1f}x wall, {full[1] / max(inc[1], 1e-9):.1f}x CPU")
    ours, theirs = last
    for a, b in zip(getattr(ours, "columns", []), getattr(theirs, "columns", []), strict=True):
        same = all(getattr(a, k) == getattr(b, k) for k in ("rows", "nulls", "min", "max", "top_values"))
        mean = abs((a.mean or 0) - (b.mean or 0)) / max(abs(b.mean or 1), 1e-12)
        distinct = abs((a.distinct or 0) - (b.distinct or 0)) / max(b.distinct or 1, 1)
        print(f"  {a.name:15s} counts/min/max/top equal: {same}; mean rel. diff {mean:.1e}; "
              f"distinct {a.distinct or 0:>12,} vs {b.distinct or 0:>12,} ({distinct:.2%})")  # fmt: skip


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
        appended_side_by_side(mesh, args.rows, args.repeat, rng)
        platform.close()


if __name__ == "__main__":
    main()
