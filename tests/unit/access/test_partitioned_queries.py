"""Partitioned tables are read natively, one Parquet scan per partition with its values from the Delta log
(issue 19): results equal the table's rows, and masks hold on partition and data columns alike."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pyarrow as pa
import pytest

from lakemesh.storage.native import native_snapshot
from tests.unit.access.conftest import World, customers, product_document

TABLE = "sales.sales_lakehouse.by_segment"


@pytest.fixture
def segments(world: World) -> World:
    """Customer 360's rows in a table partitioned by segment and by a date, served as product Segments, where
    the partition column `segment` is Confidential too; the analyst holds a grant on the product."""
    admin = world.admin
    rows = customers().append_column("day", pa.array([date(2024, 1, 1 + i % 2) for i in range(6)]))
    admin.create_table("Sales", "sales_lakehouse", "by_segment", rows.schema, partition_columns=["segment", "day"])
    admin.write_table("Sales", "sales_lakehouse", "by_segment", rows.slice(0, 4))
    admin.write_table("Sales", "sales_lakehouse", "by_segment", rows.slice(4))
    document: dict[str, Any] = copy.deepcopy(product_document())
    document["name"] = "Segments"
    document["storage"]["table"] = "by_segment"
    document["contract"]["schema"]["segment"] = {"type": "string", "sensitivity_label": "Confidential"}
    document["contract"]["schema"]["customer_name"]["sensitivity_label"] = "Highly Confidential"
    document["contract"]["schema"]["day"] = {"type": "date"}
    admin.create_product(document)
    admin.publish_product("Sales", "Segments")
    created = world.analyst.request_access("sales/segments", "campaign targeting")
    assert world.owner.approve_access_request(created.id).grant_id is not None
    return world


def test_a_partitioned_table_reads_its_partition_values_from_the_log(segments: World) -> None:
    platform = segments.admin.platform
    table = platform.delta.open(platform.data_root.table_uri("sales", "sales_lakehouse", "by_segment"))
    native = native_snapshot(table, pa.schema(table.schema().to_arrow()))
    assert native is not None and len(native.partitions) == 6  # three segments on two days
    owner = segments.owner
    got = owner.sql(f"SELECT customer_id, segment, day FROM {TABLE} ORDER BY customer_id").to_pylist()
    expected = customers().append_column("day", pa.array([date(2024, 1, 1 + i % 2) for i in range(6)]))
    assert got == expected.select(["customer_id", "segment", "day"]).to_pylist()
    pruned = owner.sql(f"SELECT count(*) AS n FROM {TABLE} WHERE segment = 'SMB' AND day = DATE '2024-01-02'")
    assert pruned.column("n").to_pylist() == [1]
    by_group = owner.sql(f"SELECT segment, count(*) AS n FROM {TABLE} GROUP BY segment ORDER BY segment")
    assert by_group.to_pylist() == [
        {"segment": "Consumer", "n": 2},
        {"segment": "Enterprise", "n": 2},
        {"segment": "SMB", "n": 2},
    ]
    assert owner.sql(f"SELECT count(*) AS n FROM {TABLE}").column("n").to_pylist() == [6]


def test_a_partition_added_later_with_a_new_column_reads_it_as_null_before(segments: World) -> None:
    first = customers().slice(1, 1).set_column(0, "customer_id", pa.array(["c7"]))
    more = first.append_column("day", pa.array([date(2024, 2, 1)])).append_column("tier", pa.array(["gold"]))
    segments.admin.write_table("Sales", "sales_lakehouse", "by_segment", more, schema_mode="merge")
    got = segments.owner.sql(f"SELECT customer_id, tier FROM {TABLE} WHERE customer_id IN ('c1', 'c7') ORDER BY 1")
    assert got.to_pylist() == [{"customer_id": "c1", "tier": None}, {"customer_id": "c7", "tier": "gold"}]


@pytest.mark.parametrize(
    "sql",
    [
        f"SELECT segment, email FROM {TABLE}",
        f"SELECT segment, count(*) AS n FROM {TABLE} GROUP BY segment",
        f"SELECT max(segment) AS s, min(email) AS e FROM {TABLE}",
        f"SELECT customer_id, segment FROM {TABLE} WHERE day = DATE '2024-01-01' ORDER BY customer_id LIMIT 2",
        f"SELECT a.segment, b.email FROM {TABLE} a JOIN {TABLE} b ON a.customer_id = b.customer_id",
        f"SELECT * FROM {TABLE} WHERE customer_id = 'c2'",
    ],
)
def test_masks_hold_on_partition_and_data_columns(segments: World, sql: str) -> None:
    values = {str(v) for column in segments.analyst.sql(sql).columns for v in column.to_pylist()}
    clear = {"SMB", "Enterprise", "Consumer", "ada@x.com", "alan@y.org", "Ada Lovelace", "Alan Turing"}
    assert not values & clear, sql


def test_a_filter_on_a_masked_partition_column_sees_the_masked_value(segments: World) -> None:
    """Partition pruning must not answer a filter with the clear value: the analyst's `segment` is masked."""
    analyst = segments.analyst
    assert analyst.sql(f"SELECT count(*) AS n FROM {TABLE} WHERE segment = 'SMB'").column("n").to_pylist() == [0]
    assert analyst.sql(f"SELECT count(*) AS n FROM {TABLE} WHERE day = DATE '2024-01-01'").column("n").to_pylist() == [
        3
    ]
