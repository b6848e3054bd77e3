"""Shortcuts: zero-copy, read-only, authorized on the target, broken when the grant goes."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from lakemesh.core.errors import Forbidden, InvalidInput, NotFound
from tests.unit.access.conftest import World, grant_to

SEED = {
    "path": "Tables/shared_customer_360",
    "target": {"domain": "Sales", "lakehouse": "sales_lakehouse", "table": "gold_customer_360"},
}


def test_shortcut_reads_the_target_without_copying(world: World) -> None:
    grant_to(world, world.analyst)
    created = world.analyst.create_shortcut("Marketing", "marketing_lakehouse", SEED)
    assert created.status == "ok"
    assert created.target is not None and created.target.table == "gold_customer_360"
    rows = world.analyst.read_table("Marketing", "marketing_lakehouse", "shared_customer_360")
    assert rows.num_rows == 6
    # masking follows the target's grants: the Confidential email stays masked for Marketing
    assert "ada@x.com" not in rows.column("email").to_pylist()
    # new data in the target shows through at once (no copy)
    world.admin.write_table(
        "Sales",
        "sales_lakehouse",
        "gold_customer_360",
        world.admin.read_table("Sales", "sales_lakehouse", "gold_customer_360", limit=1),
    )
    assert world.analyst.read_table("Marketing", "marketing_lakehouse", "shared_customer_360").num_rows == 7
    copy = world.admin.platform.data_root.table_uri("marketing", "marketing_lakehouse", "shared_customer_360")
    assert not Path(copy).exists()


def test_shortcut_is_listed_with_tables_and_in_lineage_and_metrics(world: World) -> None:
    grant_to(world, world.analyst)
    world.analyst.create_shortcut("Marketing", "marketing_lakehouse", SEED)
    tables = {t.name: t for t in world.analyst.list_tables("Marketing", "marketing_lakehouse")}
    shortcut = tables["shared_customer_360"]
    assert shortcut.shortcut_target == "sales.sales_lakehouse.gold_customer_360"
    assert shortcut.status == "ok" and shortcut.row_count == 6
    assert [s.name for s in world.analyst.list_shortcuts("Marketing", "marketing_lakehouse")] == ["shared_customer_360"]
    edges = world.admin.lineage_graph("table:sales.sales_lakehouse.gold_customer_360").edges
    assert any(e.kind == "shortcut" for e in edges)
    assert world.admin.mesh_metrics().cross_domain_shares_by_kind["shortcuts"] == 1


def test_onelake_form_with_ids_and_seed_placeholders(world: World) -> None:
    grant_to(world, world.analyst)
    sales = world.admin.get_domain("Sales")
    lakehouse = world.admin.get_lakehouse("Sales", "sales_lakehouse")
    by_ids = {"oneLake": {"workspaceId": sales.id, "itemId": lakehouse.id, "path": "Tables/gold_customer_360"}}
    created = world.analyst.create_shortcut("Marketing", "marketing_lakehouse", "Tables/by_ids", by_ids)
    assert created.target is not None and created.target.domain == "sales"
    seed = {
        "oneLake": {
            "workspaceId": "sales-workspace-id",
            "itemId": "sales-lakehouse-id",
            "path": "Tables/gold_customer_360",
        }
    }
    created = world.analyst.create_shortcut("Marketing", "marketing_lakehouse", "Tables/by_placeholders", seed)
    assert created.status == "ok"


def test_writes_through_a_shortcut_are_refused(world: World) -> None:
    grant_to(world, world.analyst)
    world.analyst.create_shortcut("Marketing", "marketing_lakehouse", SEED)
    with pytest.raises(Forbidden, match="read-only shortcut"):
        world.analyst.write_table(
            "Marketing", "marketing_lakehouse", "shared_customer_360", pa.table({"customer_id": ["x"]})
        )
    with pytest.raises(Forbidden, match="read-only shortcut"):
        world.admin.write_table(
            "Marketing", "marketing_lakehouse", "shared_customer_360", pa.table({"customer_id": ["x"]})
        )


def test_revoked_grant_breaks_the_shortcut(world: World) -> None:
    grant = grant_to(world, world.analyst)
    world.analyst.create_shortcut("Marketing", "marketing_lakehouse", SEED)
    world.owner.revoke_grant(grant, reason="campaign over")
    with pytest.raises(Forbidden, match="broken"):
        world.analyst.read_table("Marketing", "marketing_lakehouse", "shared_customer_360")
    assert world.analyst.list_shortcuts("Marketing", "marketing_lakehouse")[0].status == "broken"
    table = world.analyst.get_table("Marketing", "marketing_lakehouse", "shared_customer_360")
    assert table.status == "broken" and table.row_count is None


def test_governed_sql_addresses_a_shortcut_like_a_table(world: World) -> None:
    grant_to(world, world.analyst)
    world.analyst.create_shortcut("Marketing", "marketing_lakehouse", SEED)
    result = world.analyst.sql(
        "SELECT segment, count(*) AS n FROM marketing.marketing_lakehouse.shared_customer_360 GROUP BY segment"
    )
    assert sorted(result.column("n").to_pylist()) == [2, 2, 2]


def test_pinned_version_reads_that_version(world: World) -> None:
    world.admin.write_table(
        "Sales",
        "sales_lakehouse",
        "gold_customer_360",
        world.admin.read_table("Sales", "sales_lakehouse", "gold_customer_360", limit=2),
    )
    info = world.admin.get_table("Sales", "sales_lakehouse", "gold_customer_360")
    assert info.version is not None
    world.admin.create_shortcut("Sales", "sales_lakehouse", {**SEED, "path": "Tables/pinned"}, version=info.version - 1)
    assert world.admin.read_table("Sales", "sales_lakehouse", "pinned").num_rows == 6
    assert world.admin.read_table("Sales", "sales_lakehouse", "gold_customer_360").num_rows == 8


def test_deleting_a_shortcut_keeps_the_target(world: World) -> None:
    world.admin.create_shortcut("Marketing", "marketing_lakehouse", SEED)
    world.admin.delete_shortcut("Marketing", "marketing_lakehouse", "shared_customer_360")
    assert world.admin.list_shortcuts("Marketing", "marketing_lakehouse") == []
    assert world.admin.read_table("Sales", "sales_lakehouse", "gold_customer_360").num_rows == 6


# -- bad input -------------------------------------------------------------------------------------
def test_shortcut_to_a_missing_table_is_404(world: World) -> None:
    target = {"domain": "Sales", "lakehouse": "sales_lakehouse", "table": "gold_nothing"}
    with pytest.raises(NotFound):
        world.admin.create_shortcut("Marketing", "marketing_lakehouse", "Tables/x", target)


def test_shortcut_to_itself_is_refused(world: World) -> None:
    target = {"domain": "Marketing", "lakehouse": "marketing_lakehouse", "table": "silver_campaigns"}
    with pytest.raises(InvalidInput, match="itself"):
        world.admin.create_shortcut("Marketing", "marketing_lakehouse", "Tables/silver_campaigns", target)


def test_cycle_of_shortcuts_is_refused(world: World) -> None:
    world.admin.create_shortcut("Marketing", "marketing_lakehouse", {**SEED, "path": "Tables/a"})
    to_a = {"domain": "Marketing", "lakehouse": "marketing_lakehouse", "table": "a"}
    world.admin.create_shortcut("Sales", "sales_lakehouse", "Tables/b", to_a)
    to_b = {"domain": "Sales", "lakehouse": "sales_lakehouse", "table": "b"}
    with pytest.raises(InvalidInput, match="cycle"):
        world.admin.create_shortcut("Marketing", "marketing_lakehouse", "Tables/a", to_b, replace=True)
    # B → A → gold still reads the gold table
    assert world.admin.read_table("Sales", "sales_lakehouse", "b").num_rows == 6


@pytest.mark.parametrize("path", ["Tables/../sales/x", "Files/x", "Tables/a/b", "/Tables/x", "Tables/", "x"])
def test_path_escaping_tables_is_refused(world: World, path: str) -> None:
    with pytest.raises(InvalidInput):
        world.admin.create_shortcut("Marketing", "marketing_lakehouse", path, SEED["target"])


def test_target_the_caller_cannot_read_is_404(world: World) -> None:
    with pytest.raises(NotFound) as missing:
        world.analyst.create_shortcut("Marketing", "marketing_lakehouse", SEED)
    target = {"domain": "Sales", "lakehouse": "sales_lakehouse", "table": "silver_secret_deals"}
    with pytest.raises(NotFound) as hidden:
        world.analyst.create_shortcut("Marketing", "marketing_lakehouse", "Tables/deals", target)
    assert "not found" in str(missing.value) and "not found" in str(hidden.value)
