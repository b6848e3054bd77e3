"""End to end: a Delta table written with deltalake, registered as a dataset, gated and scanned."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow as pa
from deltalake import DeltaTable, write_deltalake

from lakemesh.engine.gate import TableName, gate_query
from lakemesh.engine.rules import parse_rule
from lakemesh.engine.scan import run_scan
from lakemesh.engine.session import EngineSession


def test_delta_table_is_scanned_and_queried(
    tmp_path: Path, customers: pa.Table, now: datetime, session: EngineSession
) -> None:
    path = tmp_path / "sales" / "sales_lakehouse" / "Tables" / "gold_customer_360"
    write_deltalake(str(path), customers.slice(0, 4))
    write_deltalake(str(path), customers.slice(4), mode="append")
    session.register("t_gold_customer_360", DeltaTable(str(path)).to_pyarrow_dataset())

    rules = [parse_rule(t) for t in ("customer_id is not null", "lifetime_value >= 0", "unique(customer_id)")]
    result = run_scan(session, "t_gold_customer_360", rules, now=now, sample_limit=1)
    assert result.total_rows == 8
    assert [r.failed_rows for r in result.rules] == [1, 3, 1]

    def resolve(name: TableName) -> str:
        assert name.parts == ("sales", "sales_lakehouse", "gold_customer_360")
        return "t_gold_customer_360"

    gated = gate_query(
        "SELECT segment, count(*) AS n FROM sales.sales_lakehouse.gold_customer_360 GROUP BY segment ORDER BY n DESC",
        resolve,
    )
    assert session.execute(gated).to_pylist()[0] == {"segment": "SMB", "n": 4}
