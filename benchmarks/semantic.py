"""SUMMARIZECOLUMNS with two measures over N rows (default 10M) vs the equivalent hand-written DuckDB SQL.

Both run side by side in one process over the same Delta table: the DAX path goes through the semantic
service and the governed query path (catalog, gate, masking views); the baseline is plain DuckDB SQL
over the table's Arrow dataset. Target: DAX <= 1.2x the baseline.
Run: python3 benchmarks/semantic.py [rows]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from lakemesh.core.settings import Settings
from lakemesh.mesh import Mesh
from lakemesh.platform import Platform

DAX = 'EVALUATE SUMMARIZECOLUMNS(Facts[Segment], "Total", SUM(Facts[Amount]), "Risk", AVERAGE(Facts[Risk]))'
SQL = "SELECT segment, SUM(amount), AVG(risk) FROM facts GROUP BY segment"


def best(run: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(rows: int) -> None:
    home = Path(tempfile.mkdtemp()) / "home"
    platform = Platform(Settings(home=home, data_root=None, scheduler=False))
    platform.initialize()
    mesh = Mesh(platform, platform.principals.bootstrap_admin())
    mesh.create_domain("Bench")
    mesh.create_lakehouse("Bench", "lake")
    rng = np.random.default_rng(7)
    segments = np.array(["Enterprise", "SMB", "Consumer"])
    chunk = 2_000_000
    for offset in range(0, rows, chunk):
        n = min(chunk, rows - offset)
        table = pa.table(
            {
                "segment": segments[rng.integers(0, 3, n)],
                "amount": rng.random(n) * 1000,
                "risk": rng.random(n),
            }
        )
        mesh.write_table("Bench", "lake", "facts", table, mode="append")
    model = {
        "name": "Bench Model",
        "tables": [
            {
                "name": "Facts",
                "source": {"table": "lake.facts"},
                "columns": [
                    {"name": "Segment", "source": "segment"},
                    {"name": "Amount", "source": "amount"},
                    {"name": "Risk", "source": "risk"},
                ],
            }
        ],
    }
    mesh.put_semantic_model("Bench", model)
    handle_uri = platform.data_root.table_uri("bench", "lake", "facts")
    connection = duckdb.connect()

    def baseline() -> object:
        dataset = platform.delta.open(handle_uri).to_pyarrow_dataset()
        connection.register("facts", dataset)
        return connection.sql(SQL).to_arrow_table()

    def dax() -> object:
        return mesh.query_semantic_model("Bench", "Bench Model", dax=DAX)

    assert dax().num_rows == 3  # type: ignore[attr-defined]
    baseline()
    handwritten = best(baseline)
    semantic = best(dax)
    print(f"rows: {rows:,}")
    print(f"hand-written DuckDB SQL: {handwritten * 1000:8.1f} ms (median of 5)")
    print(f"DAX SUMMARIZECOLUMNS   : {semantic * 1000:8.1f} ms (median of 5)")
    print(f"ratio DAX / SQL        : {semantic / handwritten:8.2f}x (target <= 1.2x)")
    platform.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000)
