"""A writer's own labels on a commit (a loader's load id) show in the table's history; bad labels are refused."""

from __future__ import annotations

import pytest

from lakemesh.core.errors import InvalidInput
from lakemesh.mesh import Mesh
from tests.unit.lakehouses.conftest import customers

T = ("Sales", "sales_lakehouse", "gold_customers")


def test_commit_metadata_of_appends_and_merges_shows_in_history(sales: Mesh) -> None:
    sales.write_table(*T, customers(3), commit_metadata={"dlt.load_id": "1700000000.1"})
    sales.write_table(*T, customers(2, start=2), merge_keys=["customer_id"], commit_metadata={"dlt.load_id": "2"})
    sales.write_table(*T, customers(1, start=9))
    history = sales.table_history(*T)
    assert [c.metadata for c in history] == [{}, {"dlt.load_id": "2"}, {"dlt.load_id": "1700000000.1"}]
    assert history[1].operation == "MERGE"


@pytest.mark.parametrize(
    "metadata",
    [{"../x": "1"}, {"k": "v" * 2000}, {f"k{i}": "v" for i in range(21)}, {"k": 1}],
)
def test_bad_commit_metadata_is_refused_and_nothing_is_written(sales: Mesh, metadata: dict[str, str]) -> None:
    with pytest.raises(InvalidInput):
        sales.write_table(*T, customers(3), commit_metadata=metadata)
    assert sales.list_tables("Sales", "sales_lakehouse") == []
