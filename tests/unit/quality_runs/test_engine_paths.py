"""Both ways a run reads its table give the same answer, and the native Parquet session stays locked down."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lakemesh.core.clock import FrozenClock
from lakemesh.core.errors import Forbidden, LakemeshError
from lakemesh.demo.data import CUSTOMER_360
from lakemesh.mesh import Mesh
from lakemesh.quality.native import ParquetSession, native_files
from tests.unit.quality_runs.conftest import PRODUCT, TABLE, rows, seed

RULES = ["customer_id is not null", "lifetime_value >= 0", "churn_risk between 0 and 1", "unique(customer_id)"]


@dataclass(frozen=True)
class Statement:
    sql: str
    parameters: tuple[object, ...] = ()


def test_a_partitioned_table_is_scanned_through_arrow_with_the_same_counts(mesh: Mesh, clock: FrozenClock) -> None:
    data = rows(clock, 30, lifetime_value=[-1.0] * 4 + [1.0] * 26)
    mesh.create_table("Sales", "sales_lakehouse", "gold_by_segment", CUSTOMER_360, partition_columns=["segment"])
    mesh.write_table("Sales", "sales_lakehouse", "gold_by_segment", data)
    mesh.write_table(*TABLE, data, mode="overwrite")
    storage = {"type": "lakehouse_table", "lakehouse": "sales_lakehouse", "table": "gold_by_segment"}
    mesh.create_product(seed(name="By Segment", storage=storage, quality_rules=RULES))
    mesh.update_product(*PRODUCT, quality_rules=RULES)
    delta = mesh.platform.delta
    root = mesh.platform.data_root
    assert native_files(delta.open(root.table_uri("sales", "sales_lakehouse", "gold_by_segment"))) is None
    assert native_files(delta.open(root.table_uri("sales", "sales_lakehouse", "gold_customer_360")))
    arrow = mesh.run_quality("Sales", "by-segment")
    native = mesh.run_quality(*PRODUCT)
    assert [(r.passed_rows, r.failed_rows) for r in arrow.rules] == [
        (r.passed_rows, r.failed_rows) for r in native.rules
    ]
    assert {r.name: r.failed_rows for r in arrow.rules}["lifetime_value >= 0"] == 4


def test_the_parquet_session_reads_only_its_files(mesh: Mesh) -> None:
    uri = mesh.platform.data_root.table_uri("sales", "sales_lakehouse", "gold_customer_360")
    files = native_files(mesh.platform.delta.open(uri)) or []
    with ParquetSession("quality_source", files) as session:
        assert session.execute(Statement("SELECT count(*) AS n FROM quality_source")).to_pylist() == [{"n": 200}]
        for sql in (
            "SELECT * FROM read_csv('/etc/passwd')",
            f"SELECT * FROM read_parquet('{uri}/*.parquet')",
            f"SELECT * FROM read_json('{uri}/_delta_log/00000000000000000000.json')",
            "SELECT * FROM glob('/tmp/*')",
        ):
            with pytest.raises(Forbidden):
                session.execute(Statement(sql))
        with pytest.raises(LakemeshError):
            session.execute(Statement("SET enable_external_access = true"))
        with pytest.raises(LakemeshError):
            session.register("other", object())
