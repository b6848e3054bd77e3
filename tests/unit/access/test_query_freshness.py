"""Governed queries keep each reader's resolved tables and masks between queries: every change to what they were
read from takes effect on the very next query (each test queries twice first, so the answer is kept)."""

from __future__ import annotations

import copy

import pyarrow as pa
import pytest

from lakemesh.core.errors import NotFound
from lakemesh.mesh import Mesh
from tests.unit.access.conftest import TABLE, World, grant_to

EMAIL = f"SELECT email FROM {TABLE} WHERE customer_id = 'c1'"


def warm(who: Mesh, sql: str) -> list[object]:
    """The query's first column, asked twice so the second answer comes from what the first one kept."""
    first = who.sql(sql).column(0).to_pylist()
    assert who.sql(sql).column(0).to_pylist() == first
    return first


def test_a_revoked_grant_stops_the_next_query(world: World) -> None:
    grant_id = grant_to(world, world.analyst)
    assert warm(world.analyst, EMAIL) == ["a***@x.com"]
    world.owner.revoke_grant(grant_id, reason="over")
    with pytest.raises(NotFound):
        world.analyst.sql(EMAIL)


def test_a_new_grant_opens_the_next_query(world: World) -> None:
    with pytest.raises(NotFound):
        world.analyst.sql(EMAIL)
    grant_to(world, world.analyst, columns=["customer_id", "email"])
    assert world.analyst.sql(EMAIL).column(0).to_pylist() == ["ada@x.com"]


def test_a_masking_policy_change_applies_to_the_next_query(world: World) -> None:
    grant_to(world, world.analyst)
    assert warm(world.analyst, EMAIL) == ["a***@x.com"]
    world.admin.set_masking_policy({"confidential": "redact", "highly confidential": "hash"})
    assert world.analyst.sql(EMAIL).column(0).to_pylist() == ["***"]


def test_a_new_label_masks_the_next_query(world: World) -> None:
    grant_to(world, world.analyst)
    segment = f"SELECT segment FROM {TABLE} WHERE customer_id = 'c1'"
    assert warm(world.analyst, segment) == ["Enterprise"]
    world.owner.update_table(
        "Sales", "sales_lakehouse", "gold_customer_360", columns={"segment": {"sensitivity_label": "Confidential"}}
    )
    assert world.analyst.sql(segment).column(0).to_pylist() == ["E***"]


def test_a_contract_label_change_masks_the_next_query(world: World) -> None:
    grant_to(world, world.analyst)
    segment = f"SELECT segment FROM {TABLE} WHERE customer_id = 'c1'"
    assert warm(world.analyst, segment) == ["Enterprise"]
    contract = copy.deepcopy(world.owner.get_product("Sales", "Customer 360").contract)
    contract["schema"]["segment"]["sensitivity_label"] = "Confidential"
    world.owner.update_product("Sales", "Customer 360", contract=contract)
    assert world.analyst.sql(segment).column(0).to_pylist() == ["E***"]


def test_leaving_the_owning_domain_stops_the_next_query(world: World) -> None:
    assert warm(world.owner, EMAIL) == ["ada@x.com"]
    world.admin.remove_member("Sales", "sales-data-team@company.com")
    with pytest.raises(NotFound):
        world.owner.sql(EMAIL)


def test_a_new_table_version_is_read_by_the_next_query(world: World) -> None:
    count = f"SELECT count(*) AS n FROM {TABLE} WHERE segment = 'SMB'"
    assert warm(world.owner, count) == [2]
    row = world.owner.sql(f"SELECT * FROM {TABLE} WHERE customer_id = 'c2'")
    world.owner.write_table("Sales", "sales_lakehouse", "gold_customer_360", row)
    assert world.owner.sql(count).column(0).to_pylist() == [3]
    world.owner.write_table("Sales", "sales_lakehouse", "gold_customer_360", row, mode="overwrite")
    assert world.owner.sql(count).column(0).to_pylist() == [1]


def test_a_dropped_and_recreated_table_is_read_anew(world: World) -> None:
    scratch = "sales.sales_lakehouse.scratch"
    world.owner.write_table("Sales", "sales_lakehouse", "scratch", pa.table({"v": [1, 2, 3]}))
    assert warm(world.owner, f"SELECT sum(v) FROM {scratch}") == [6]
    world.owner.delete_table("Sales", "sales_lakehouse", "scratch")
    with pytest.raises(NotFound):
        world.owner.sql(f"SELECT sum(v) FROM {scratch}")
    world.owner.write_table("Sales", "sales_lakehouse", "scratch", pa.table({"v": [10]}))
    assert world.owner.sql(f"SELECT sum(v) FROM {scratch}").column(0).to_pylist() == [10]


def test_readers_never_share_what_was_kept(world: World) -> None:
    grant_to(world, world.analyst)
    assert warm(world.owner, EMAIL) == ["ada@x.com"]
    assert warm(world.analyst, EMAIL) == ["a***@x.com"]
    with pytest.raises(NotFound):
        world.outsider.sql(EMAIL)
    assert world.owner.sql(EMAIL).column(0).to_pylist() == ["ada@x.com"]
