"""Governed queries over native scans give what the Arrow path gave, masks included (issue 19)."""

from __future__ import annotations

import threading

import pyarrow as pa
import pytest

from lakemesh.core.errors import Conflict, NotFound
from lakemesh.storage.native import native_snapshot
from tests.unit.access.conftest import TABLE, World, grant_to


def test_local_tables_are_read_natively_partitioned_ones_per_partition(world: World) -> None:
    admin = world.admin
    platform = admin.platform
    handle_uri = platform.data_root.table_uri("sales", "sales_lakehouse", "gold_customer_360")
    table = platform.delta.open(handle_uri)
    snapshot = native_snapshot(table, pa.schema(table.schema().to_arrow()))
    assert snapshot is not None and all(path.endswith(".parquet") for path in snapshot.files)
    assert snapshot.partitions == ()
    admin.create_table(
        "Sales",
        "sales_lakehouse",
        "by_region",
        pa.schema([("region", pa.string()), ("amount", pa.int64())]),
        partition_columns=["region"],
    )
    admin.write_table("Sales", "sales_lakehouse", "by_region", pa.table({"region": ["EU", "NA"], "amount": [1, 2]}))
    partitioned = platform.delta.open(platform.data_root.table_uri("sales", "sales_lakehouse", "by_region"))
    native = native_snapshot(partitioned, pa.schema(partitioned.schema().to_arrow()))
    assert native is not None and sorted(dict(p.values)["region"] for p in native.partitions) == ["EU", "NA"]
    rows = world.owner.sql("SELECT region, amount FROM sales.sales_lakehouse.by_region ORDER BY region")
    assert rows.to_pylist() == [{"region": "EU", "amount": 1}, {"region": "NA", "amount": 2}]


def test_a_column_added_later_reads_as_null_in_older_rows(world: World) -> None:
    world.admin.write_table("Sales", "sales_lakehouse", "evolving", pa.table({"id": [1]}))
    world.admin.write_table(
        "Sales", "sales_lakehouse", "evolving", pa.table({"id": [2], "note": ["x"]}), schema_mode="merge"
    )
    rows = world.owner.sql("SELECT id, note FROM sales.sales_lakehouse.evolving ORDER BY id").to_pylist()
    assert rows == [{"id": 1, "note": None}, {"id": 2, "note": "x"}]


def test_masks_hold_on_native_scans_for_filters_joins_and_aggregates(world: World) -> None:
    grant_to(world, world.analyst)
    shapes = [
        f"SELECT email FROM {TABLE} WHERE customer_id = 'c1'",
        f"SELECT email, count(*) AS n FROM {TABLE} GROUP BY email",
        f"SELECT max(email) AS e FROM {TABLE}",
        f"SELECT email FROM {TABLE} ORDER BY lifetime_value DESC LIMIT 1",
        f"SELECT count(*) AS n FROM {TABLE} WHERE email = 'ada@x.com'",
        f"SELECT c.email FROM {TABLE} c JOIN {TABLE} d ON c.customer_id = d.customer_id",
    ]
    for sql in shapes:
        values = {str(v) for column in world.analyst.sql(sql).columns for v in column.to_pylist()}
        assert "ada@x.com" not in values and "Ada Lovelace" not in values, sql
    assert world.analyst.sql(shapes[4]).column("n").to_pylist() == [0]


def test_a_running_query_is_cancelled_by_its_id_and_history_lists_what_ran(world: World) -> None:
    """The engine stops at once on cancel (the query answers Conflict "cancelled"); only its owner may cancel it;
    history lists the caller's own queries that ran, newest first, with their duration."""
    grant_to(world, world.analyst)
    huge = "SELECT count(*) AS n FROM " + ", ".join(f"{TABLE} t{i}" for i in range(14))  # 6^14 rows to count
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            world.analyst.sql(huge, query_id="analyst-query-1")
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    with pytest.raises(NotFound):
        world.owner.cancel_query("analyst-query-1")  # another principal's query: not even visible
    while worker.is_alive():
        try:
            world.analyst.cancel_query("analyst-query-1")
            break
        except NotFound:  # not started yet
            worker.join(0.01)
    worker.join(60)
    assert not worker.is_alive()
    assert isinstance(outcome[0], Conflict) and "cancelled" in str(outcome[0])
    with pytest.raises(NotFound):
        world.analyst.cancel_query("analyst-query-1")  # it no longer runs

    world.analyst.sql(f"SELECT customer_id FROM {TABLE}", query_id="analyst-query-2")
    world.owner.sql(f"SELECT segment FROM {TABLE}")
    history = world.analyst.query_history()
    assert [h.sql for h in history] == [f"SELECT customer_id FROM {TABLE}"]  # the cancelled one never ran
    assert history[0].rows == 6 and history[0].tables == [TABLE] and history[0].duration_ms is not None


def test_bound_values_are_audited_as_bound_and_history_runs_them_again(world: World) -> None:
    """The SQL endpoint's bound values: used out of order and not all of them, audited as the client bound them,
    and written into the statement history offers to run again (REST takes no parameters)."""
    sql = f"SELECT customer_id FROM {TABLE} WHERE segment = $3 AND lifetime_value > $1 ORDER BY 1"
    owner = world.owner
    outcome = owner.platform.query.run(owner.principal, sql, parameters=[50, "unused", "Enterprise"])
    assert outcome.table.column("customer_id").to_pylist() == ["c1", "c4"]
    entry = world.admin.audit(action="query.executed", actor="sales-data-team@company.com")[0]
    assert entry.summary["sql"] == sql and entry.summary["parameters"] == [50, "unused", "Enterprise"]
    again = owner.query_history()[0].sql
    assert "$" not in again and owner.sql(again).column("customer_id").to_pylist() == ["c1", "c4"]
