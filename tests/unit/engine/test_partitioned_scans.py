"""Partitioned Delta tables read natively give the rows delta-rs gives, for every partition column type
the engine writes as a constant (issue 19)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
from deltalake import DeltaTable, write_deltalake

from lakemesh.engine.gate import GatedQuery
from lakemesh.engine.session import EngineSession
from lakemesh.storage.native import native_snapshot


def test_every_partition_type_reads_as_delta_rs_reads_it(tmp_path: Path) -> None:
    rows = pa.table(
        {
            "id": pa.array([1, 2, 3, 4], pa.int64()),
            "text": ["a/b=c d", "O'Brien", None, "x"],
            "flag": [True, False, None, True],
            "small": pa.array([-1, 2, None, 3], pa.int16()),
            "money": pa.array([Decimal("1.50"), Decimal("2.25"), None, Decimal("0.00")], pa.decimal128(10, 2)),
            "day": pa.array([date(2024, 1, 1), date(1999, 12, 31), None, date(2024, 1, 1)]),
            "at": pa.array(
                [datetime(2024, 1, 1, 12, 30, 15, 123456, tzinfo=UTC)] * 2 + [None, datetime(2020, 2, 29, tzinfo=UTC)],
                pa.timestamp("us", tz="UTC"),
            ),
            "ratio": pa.array([0.25, -1.5, None, 2.0]),
        }
    )
    path = str(tmp_path / "t")
    write_deltalake(path, rows, partition_by=[c for c in rows.column_names if c != "id"])
    table = DeltaTable(path)
    schema = pa.schema(table.schema().to_arrow())
    snapshot = native_snapshot(table, schema)
    assert snapshot is not None and len(snapshot.partitions) == 4
    with EngineSession(readable_files=snapshot.files) as session:
        session.register_parquet("t0", snapshot.files, schema, partitions=snapshot.partitions)
        got = session.execute(GatedQuery(sql="SELECT * FROM t0 ORDER BY id", tables=()))
        expected = table.to_pyarrow_table().sort_by("id")
        assert got.select(expected.column_names).to_pylist() == expected.to_pylist()
        one = session.execute(GatedQuery(sql="SELECT id FROM t0 WHERE text = 'O''Brien' AND small = 2", tables=()))
        assert one.column("id").to_pylist() == [2]
