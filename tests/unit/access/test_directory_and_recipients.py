"""What a signed-in user learns about others and about storage: names for pickers, no e-mails, roles or paths."""

from __future__ import annotations

import json

import pytest

from lakemesh.core.errors import Conflict
from lakemesh.mesh import Mesh
from tests.unit.access.conftest import World, grant_to


def test_non_admins_list_principals_by_name_only(world: World) -> None:
    listed = {p.name: p for p in world.analyst.list_principals()}
    assert "sales-data-team@company.com" in listed and "admin" in listed
    others = [p for p in listed.values() if p.name != "marketing-analyst@company.com"]
    assert all(p.email is None and p.platform_role is None for p in others)
    me = listed["marketing-analyst@company.com"]
    assert me.email == "marketing-analyst@company.com" and me.platform_role is not None
    seen_by_admin = {p.name: p for p in world.admin.list_principals()}
    assert seen_by_admin["sales-data-team@company.com"].email == "sales-data-team@company.com"
    assert seen_by_admin["admin"].platform_role is not None and seen_by_admin["admin"].platform_role.value == "admin"


def test_no_token_for_a_disabled_principal(admin: Mesh) -> None:
    admin.create_principal("leaver")
    admin.platform.principals.disable_principal(admin.principal, "leaver")
    with pytest.raises(Conflict, match="disabled"):
        admin.create_token(principal="leaver")


def test_table_history_hides_storage_paths_from_grantees(world: World) -> None:
    grant_to(world, world.analyst)
    owners = world.owner.table_history("Sales", "sales_lakehouse", "gold_customer_360")
    seen = world.analyst.table_history("Sales", "sales_lakehouse", "gold_customer_360")
    assert [c.version for c in seen] == [c.version for c in owners]
    assert "file://" not in json.dumps([c.model_dump(mode="json") for c in seen])
    root = str(world.admin.platform.data_root.root)
    assert root.rsplit("://", maxsplit=1)[-1] not in json.dumps([c.model_dump(mode="json") for c in seen])
