"""Delta tables: schema, writes, refusals that change nothing, reads, time travel, history and maintenance."""

from __future__ import annotations

import threading
from datetime import timedelta

import pyarrow as pa
import pytest

from lakemesh.core.errors import Conflict, Forbidden, Gone, InvalidInput, NotFound
from lakemesh.mesh import Mesh
from tests.conftest import user
from tests.unit.lakehouses.conftest import customers

T = ("Sales", "sales_lakehouse", "gold_customers")


def test_create_from_schema_with_layer_labels_and_partitions(sales: Mesh) -> None:
    schema = pa.schema([("customer_id", pa.string()), ("email", pa.string()), ("region", pa.string())])
    info = sales.create_table(
        "Sales",
        "sales_lakehouse",
        "silver_contacts",
        schema,
        description="Contacts",
        partition_columns=["region"],
        sensitivity_labels={"email": "Confidential"},
        column_descriptions={"customer_id": "Customer key"},
    )
    assert info.layer == "silver"
    assert info.version == 0 and info.row_count == 0
    fetched = sales.get_table("Sales", "sales_lakehouse", "SILVER_CONTACTS")
    assert fetched.partition_columns == ["region"]
    assert {c.name: c.sensitivity_label for c in fetched.columns}["email"] == "Confidential"
    assert fetched.columns[0].description == "Customer key"
    assert fetched.qualified_name == "sales.sales_lakehouse.silver_contacts"


def test_bad_table_definitions_are_refused(sales: Mesh) -> None:
    for name in ["../escape", "a/b", "/abs", "x;drop"]:
        with pytest.raises(InvalidInput):
            sales.create_table("Sales", "sales_lakehouse", name, pa.schema([("a", pa.string())]))
    with pytest.raises(InvalidInput) as caught:
        sales.create_table(
            "Sales", "sales_lakehouse", "t", [{"name": "a", "type": "varchar2"}, {"name": "a", "type": "int64"}]
        )
    assert len(caught.value.errors) == 2
    with pytest.raises(InvalidInput):
        sales.create_table("Sales", "sales_lakehouse", "t", pa.schema([("a", pa.string())]), partition_columns=["zz"])
    with pytest.raises(InvalidInput):
        sales.create_table("Sales", "sales_lakehouse", "t", pa.schema([("a", pa.string())]), layer="platinum")
    assert sales.list_tables("Sales", "sales_lakehouse") == []


def test_first_write_creates_then_append_and_overwrite(sales: Mesh) -> None:
    first = sales.write_table(*T, customers(3))
    assert (first.version, first.rows_written) == (0, 3)
    sales.write_table(*T, customers(2, start=3))
    assert sales.get_table(*T).row_count == 5
    sales.write_table(*T, customers(1, start=9), mode="overwrite")
    info = sales.get_table(*T)
    assert (info.row_count, info.version, info.layer) == (1, 2, "gold")
    assert sales.read_table(*T, version=1).num_rows == 5
    assert [c.operation for c in sales.table_history(*T)] == ["WRITE", "WRITE", "CREATE TABLE"]
    assert sales.table_history(*T)[0].actor == "admin"


def test_mismatching_write_lists_each_column_and_changes_nothing(sales: Mesh) -> None:
    sales.write_table(*T, customers(3))
    bad = pa.table({"customer_id": [1], "segment": ["SMB"], "lifetime_value": [1.0], "extra": [True]})
    with pytest.raises(InvalidInput) as caught:
        sales.write_table(*T, bad)
    assert {e.loc for e in caught.value.errors} == {("data", "customer_id"), ("data", "extra")}
    assert sales.get_table(*T).version == 0


def test_schema_evolution_only_when_asked(sales: Mesh) -> None:
    sales.write_table(*T, customers(2))
    wider = customers(1, start=5).append_column("country", pa.array(["NL"]))
    sales.write_table(*T, wider, schema_mode="merge")
    table = sales.read_table(*T)
    assert "country" in table.column_names and table.num_rows == 3


def test_safe_casts_and_missing_nullable_columns_are_accepted(sales: Mesh) -> None:
    sales.write_table(*T, customers(2))
    narrow = pa.table({"lifetime_value": pa.array([1.5], pa.float32()), "customer_id": ["Z"]})
    sales.write_table(*T, narrow)
    rows = sales.read_table(*T).to_pylist()
    assert rows[-1]["segment"] is None or any(r["customer_id"] == "Z" and r["segment"] is None for r in rows)


def test_merge_upserts_on_keys(sales: Mesh) -> None:
    sales.write_table(*T, customers(3))
    change = pa.table({"customer_id": ["C1", "C9"], "segment": ["Enterprise", "SMB"], "lifetime_value": [10.0, 9.0]})
    result = sales.merge_table(*T, change, keys=["customer_id"])
    assert result.mode == "merge"
    rows = {r["customer_id"]: r["segment"] for r in sales.read_table(*T).to_pylist()}
    assert rows == {"C0": "SMB", "C1": "Enterprise", "C2": "SMB", "C9": "SMB"}


def test_reads_select_columns_limit_and_time_travel_by_timestamp(sales: Mesh) -> None:
    sales.write_table(*T, customers(3))
    first_commit = sales.table_history(*T)[0].at
    sales.write_table(*T, customers(3, start=3))
    assert sales.read_table(*T, columns=["segment"], limit=2).column_names == ["segment"]
    assert sales.read_table(*T, limit=2).num_rows == 2
    assert sales.read_table(*T, timestamp=first_commit + timedelta(milliseconds=1)).num_rows == 3
    with pytest.raises(InvalidInput):
        sales.read_table(*T, columns=["nope"])
    with pytest.raises(NotFound):
        sales.read_table(*T, version=99)


def test_vacuum_honours_retention_and_old_versions_become_gone(sales: Mesh, contributor: Mesh) -> None:
    sales.write_table(*T, customers(3))
    sales.write_table(*T, customers(3), mode="overwrite")
    assert sales.vacuum_table(*T).files_removed == 0  # within 90 days of retention
    with pytest.raises(InvalidInput, match="retention"):
        contributor.vacuum_table(*T, retention_hours=0)
    with pytest.raises(Forbidden):
        contributor.vacuum_table(*T, retention_hours=0, force=True)
    dry = sales.vacuum_table(*T, retention_hours=0, force=True, dry_run=True)
    assert dry.files_removed == 1
    assert sales.vacuum_table(*T, retention_hours=0, force=True).files_removed == 1
    with pytest.raises(Gone):
        sales.read_table(*T, version=0)
    assert sales.read_table(*T).num_rows == 3


def test_optimize_compacts_small_files(sales: Mesh) -> None:
    for start in range(0, 15, 3):
        sales.write_table(*T, customers(3, start=start))
    result = sales.optimize_table(*T)
    assert result.files_removed == 5 and result.files_added == 1
    assert sales.get_table(*T).file_count == 1
    assert sales.read_table(*T).num_rows == 15


def test_concurrent_appends_all_land(sales: Mesh) -> None:
    sales.write_table(*T, customers(1))
    errors: list[BaseException] = []

    def append(start: int) -> None:
        try:
            sales.write_table(*T, customers(100, start=start))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(1000 * i,)) for i in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sales.read_table(*T).num_rows == 401


def test_permissions_on_data(sales: Mesh, contributor: Mesh) -> None:
    contributor.write_table(*T, customers(2))
    viewer = user(sales, "vic@company.com")
    sales.add_member("Sales", "vic@company.com", "Viewer")
    assert viewer.read_table(*T).num_rows == 2
    with pytest.raises(Forbidden):
        viewer.write_table(*T, customers(1))
    with pytest.raises(Forbidden):
        contributor.delete_table(*T)
    outsider = user(sales, "otto@company.com")
    with pytest.raises(NotFound):
        outsider.read_table(*T)


def test_labels_and_delete(sales: Mesh) -> None:
    sales.write_table(*T, customers(2))
    info = sales.update_table(*T, columns={"segment": {"sensitivity_label": "Internal"}}, description="Customers")
    assert {c.name: c.sensitivity_label for c in info.columns}["segment"] == "Internal"
    with pytest.raises(InvalidInput):
        sales.update_table(*T, columns={"nope": {"description": "x"}})
    sales.delete_table(*T)
    with pytest.raises(NotFound):
        sales.get_table(*T)
    sales.write_table(*T, customers(1))  # the name is free again and starts from scratch
    assert sales.get_table(*T).version == 0


def test_duplicate_table_is_a_conflict(sales: Mesh) -> None:
    sales.create_table("Sales", "sales_lakehouse", "bronze_x", pa.schema([("a", pa.string())]))
    with pytest.raises(Conflict):
        sales.create_table("Sales", "sales_lakehouse", "BRONZE_X", pa.schema([("a", pa.string())]))
