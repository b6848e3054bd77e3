"""Groups as principals: members act with the group's roles, grants and ownerships, and stop at once when removed."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pytest

from lakemesh.auth.groups import GroupSource
from lakemesh.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from lakemesh.mesh import Mesh
from tests.conftest import user
from tests.unit.access.conftest import customers, product_document

TEAM = "sales-data-team@company.com"
TABLE = ("Sales", "sales_lakehouse", "gold_customer_360")


@dataclass
class Team:
    admin: Mesh
    alice: Mesh  # member of the team
    bob: Mesh  # member of the team
    analyst: Mesh  # Marketing, asks for access


@pytest.fixture
def team(admin: Mesh) -> Team:
    admin.create_principal(TEAM, kind="group")
    alice, bob = user(admin, "alice@company.com"), user(admin, "bob@company.com")
    analyst = user(admin, "marketing-analyst@company.com")
    admin.add_group_member(TEAM, "alice@company.com")
    admin.add_group_member(TEAM, "bob@company.com")
    admin.create_domain("Sales")
    admin.create_domain("Marketing")
    admin.add_member("Marketing", "marketing-analyst@company.com", "Member")
    admin.create_lakehouse("Sales", "sales_lakehouse")
    admin.write_table(*TABLE, customers())
    admin.create_product(product_document())  # owner: the team (a group)
    admin.publish_product("Sales", "Customer 360")
    return Team(admin, alice, bob, analyst)


def test_a_group_owned_products_requests_route_to_its_members_and_any_member_decides(team: Team) -> None:
    asked = team.analyst.request_access("sales/customer-360", "campaign targeting")
    assert set(asked.approvers) >= {"alice@company.com", "bob@company.com"}
    assert [r.id for r in team.bob.list_access_requests(role="approver")] == [asked.id]

    approved = team.alice.approve_access_request(asked.id)

    assert approved.state == "approved" and approved.decided_by == "alice@company.com"
    assert team.analyst.read_table(*TABLE).num_rows == 6


def test_a_removed_member_can_no_longer_approve_or_read(team: Team) -> None:
    team.admin.add_member("Sales", TEAM, "Viewer")
    assert team.bob.read_table(*TABLE).num_rows == 6
    asked = team.analyst.request_access("sales/customer-360", "campaign targeting")

    team.admin.remove_group_member(TEAM, "bob@company.com")

    with pytest.raises((Forbidden, NotFound)):
        team.bob.approve_access_request(asked.id)
    with pytest.raises((Forbidden, NotFound)):
        team.bob.read_table(*TABLE)
    assert "bob@company.com" not in team.analyst.get_access_request(asked.id).approvers
    assert team.alice.approve_access_request(asked.id).state == "approved"


def test_effective_role_is_the_strongest_of_own_and_groups(team: Team) -> None:
    team.admin.add_member("Sales", "alice@company.com", "Viewer")
    with pytest.raises(Forbidden):
        team.alice.write_table(*TABLE, customers(), mode="append")
    team.admin.add_member("Sales", TEAM, "Contributor")

    team.alice.write_table(*TABLE, customers(), mode="append")

    assert team.alice.read_table(*TABLE).num_rows == 12
    assert [d.slug for d in team.bob.list_domains() if d.slug == "sales"] == ["sales"]


def test_a_grant_to_a_group_is_held_by_its_members_only_while_they_are_members(team: Team) -> None:
    outsider = user(team.admin, "carol@company.com")
    team.admin.create_principal("analysts", kind="group")
    team.admin.add_group_member("analysts", "carol@company.com")
    asked = team.admin.request_access("sales/customer-360", "team access", grantee="analysts")
    team.alice.approve_access_request(asked.id)
    assert outsider.read_table(*TABLE).num_rows == 6

    team.admin.remove_group_member("analysts", "carol@company.com")

    with pytest.raises((Forbidden, NotFound)):
        outsider.read_table(*TABLE)


def test_sync_groups_creates_unknown_groups_without_roles_and_replaces_only_its_own_source(team: Team) -> None:
    platform = team.admin.platform
    alice = team.alice.principal

    names = platform.groups.sync_groups(alice, ["Finance Readers", "/data-eng", "data-eng"])

    assert names == ["Finance Readers", "data-eng"]
    assert team.admin.get_principal("finance readers").kind == "group"
    assert "Finance Readers" not in [m.principal for m in team.admin.list_members("Sales")]
    platform.groups.sync_groups(alice, ["data-eng"])
    assert [m.principal for m in team.admin.list_group_members("Finance Readers")] == []
    assert [m.source for m in team.admin.list_group_members("data-eng")] == [GroupSource.IDP.value]
    platform.groups.sync_groups(alice, [])
    # the admin's membership of the team is not the claim's to remove
    assert "alice@company.com" in [m.principal for m in team.admin.list_group_members(TEAM)]


def test_groups_cannot_sign_in_or_nest_and_users_are_not_groups(team: Team) -> None:
    with pytest.raises(Conflict):
        team.admin.create_token(principal=TEAM)
    team.admin.create_principal("nested", kind="group")
    with pytest.raises(InvalidInput):
        team.admin.add_group_member(TEAM, "nested")
    with pytest.raises(NotFound):
        team.admin.add_group_member("alice@company.com", "bob@company.com")
    with pytest.raises(Forbidden):
        team.alice.add_group_member(TEAM, "marketing-analyst@company.com")
    with pytest.raises(NotFound):
        team.analyst.list_group_members(TEAM)
    with pytest.raises(Conflict):
        team.admin.platform.groups.sync_groups(team.alice.principal, ["bob@company.com"])


def test_a_table_the_group_cannot_see_stays_hidden_from_members(team: Team) -> None:
    team.admin.write_table("Sales", "sales_lakehouse", "secret", pa.table({"x": [1]}))
    with pytest.raises(NotFound):
        team.alice.read_table("Sales", "sales_lakehouse", "secret")


def test_a_sign_in_that_drops_a_group_ends_its_reads_at_the_next_query(team: Team) -> None:
    """Governed queries keep resolved tables per catalog version: a sign-in's group change must move it."""
    team.admin.create_principal("sales-readers", kind="group")
    team.admin.add_member("Sales", "sales-readers", "Viewer")
    platform, analyst = team.admin.platform, team.analyst
    sql = "SELECT count(*) AS n FROM sales.sales_lakehouse.gold_customer_360"
    platform.groups.sync_groups(analyst.principal, ["sales-readers"])
    assert analyst.sql(sql).column("n").to_pylist() == [6]
    assert analyst.sql(sql).column("n").to_pylist() == [6]  # answered from the kept resolution

    platform.groups.sync_groups(analyst.principal, [])

    with pytest.raises(NotFound):
        analyst.sql(sql)
    assert team.admin.audit(action="principal.groups_synced")[0].resource_name == "marketing-analyst@company.com"
