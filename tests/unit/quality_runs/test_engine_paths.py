"""Every way a run reads its table gives the same answer, the native scan stays locked down, and samples stay masked."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lakemesh.core.clock import FrozenClock
from lakemesh.core.errors import Forbidden, LakemeshError
from lakemesh.demo.data import CUSTOMER_360
from lakemesh.engine.pool import SessionPool
from lakemesh.lakehouses.models import ColumnUpdate, TableUpdate
from lakemesh.mesh import Mesh
from lakemesh.quality.checks import RELATION, _open, _session
from lakemesh.storage.delta import arrow_schema
from lakemesh.storage.native import native_snapshot
from lakemesh.storage.snapshots import LatestSnapshots
from tests.conftest import user
from tests.unit.quality_runs.conftest import PRODUCT, TABLE, rows, seed

RULES = ["customer_id is not null", "lifetime_value >= 0", "churn_risk between 0 and 1", "unique(customer_id)"]
BY_SEGMENT = ("Sales", "sales_lakehouse", "gold_by_segment")


@dataclass(frozen=True)
class Statement:
    sql: str
    parameters: tuple[object, ...] = ()


def _partitioned(mesh: Mesh, clock: FrozenClock) -> None:
    """The same 30 rows (4 with a negative lifetime value) in the seed's table and in one partitioned by segment."""
    data = rows(clock, 30, lifetime_value=[-1.0] * 4 + [1.0] * 26)
    mesh.create_table(*BY_SEGMENT, CUSTOMER_360, partition_columns=["segment"])
    mesh.write_table(*BY_SEGMENT, data)
    mesh.write_table(*TABLE, data, mode="overwrite")
    storage = {"type": "lakehouse_table", "lakehouse": "sales_lakehouse", "table": "gold_by_segment"}
    mesh.create_product(seed(name="By Segment", storage=storage, quality_rules=RULES))
    mesh.update_product(*PRODUCT, quality_rules=RULES)


def test_a_partitioned_table_is_scanned_natively_with_the_same_counts_and_samples(
    mesh: Mesh, clock: FrozenClock
) -> None:
    _partitioned(mesh, clock)
    uri = mesh.platform.data_root.table_uri("sales", "sales_lakehouse", "gold_by_segment")
    snapshot = native_snapshot(mesh.platform.delta.open(uri), arrow_schema(mesh.platform.delta.open(uri)))
    assert snapshot is not None and snapshot.partitions  # read with DuckDB's reader, partition values from the log
    partitioned = mesh.run_quality("Sales", "by-segment", mode="full")
    plain = mesh.run_quality(*PRODUCT, mode="full")
    assert [(r.passed_rows, r.failed_rows) for r in partitioned.rules] == [
        (r.passed_rows, r.failed_rows) for r in plain.rules
    ]
    failing = {r.name: r for r in partitioned.rules}["lifetime_value >= 0"]
    assert failing.failed_rows == 4
    samples = sorted(failing.samples or [], key=lambda s: str(s["customer_id"]))
    expected = sorted(
        ({r.name: r for r in plain.rules}["lifetime_value >= 0"].samples or []), key=lambda s: str(s["customer_id"])
    )
    assert samples == expected and len(samples) == 4
    assert all(s["segment"] for s in samples)  # the partition column comes back with its value


def test_samples_of_a_partitioned_table_are_redacted_for_contributors(mesh: Mesh, clock: FrozenClock) -> None:
    _partitioned(mesh, clock)
    mesh.platform.tables.update(
        mesh.principal,
        *BY_SEGMENT,
        TableUpdate(
            columns={
                "customer_name": ColumnUpdate(sensitivity_label="Confidential"),
                "segment": ColumnUpdate(sensitivity_label="Highly Confidential"),
            }
        ),
    )
    contributor = user(mesh, "carl@company.com")
    mesh.add_member("Sales", "carl@company.com", "Contributor")
    seen = {r.name: r for r in contributor.run_quality("Sales", "by-segment", mode="full").rules}
    samples = seen["lifetime_value >= 0"].samples or []
    assert len(samples) == 4
    assert {s["customer_name"] for s in samples} == {"***"}
    assert {s["segment"] for s in samples} == {"***"}  # a partition column is masked like any other
    assert all(str(s["customer_id"]).startswith("S1-") for s in samples)
    owned = {r.name: r for r in mesh.run_quality("Sales", "by-segment", mode="full").rules}
    assert "***" not in {s["customer_name"] for s in owned["lifetime_value >= 0"].samples or []}


def test_a_run_sees_a_write_made_after_the_snapshot_was_kept(mesh: Mesh, clock: FrozenClock) -> None:
    mesh.update_product(*PRODUCT, quality_rules=RULES)
    assert mesh.run_quality(*PRODUCT, mode="full").total_rows == 200
    mesh.write_table(*TABLE, rows(clock, 5, seed=7, lifetime_value=[-1.0] * 5))
    after = mesh.run_quality(*PRODUCT, mode="full")
    assert after.total_rows == 205
    assert {r.name: r.failed_rows for r in after.rules}["lifetime_value >= 0"] == 5


def test_the_native_scan_reads_only_its_files(mesh: Mesh) -> None:
    uri = mesh.platform.data_root.table_uri("sales", "sales_lakehouse", "gold_customer_360")
    pool = SessionPool(spares=0)
    try:
        source = _open(mesh.platform.delta, uri, LatestSnapshots(arrow_schema))
        with _session(source, None, "1GB", pool) as session:
            assert session.execute(Statement(f"SELECT count(*) AS n FROM {RELATION}")).to_pylist() == [{"n": 200}]
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
    finally:
        pool.close()
