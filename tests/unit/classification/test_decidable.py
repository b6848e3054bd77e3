"""The cross-table review list (the governance page's): pending suggestions the caller may decide, and no others."""

from __future__ import annotations

from lakemesh.mesh import Mesh
from tests.unit.access.conftest import World
from tests.unit.classification.test_scans import contacts


def tables(mesh: Mesh, prefix: str = "") -> set[tuple[str, str]]:
    found = mesh.platform.classification.decidable_suggestions(mesh.principal)
    return {(s.table, s.column) for s in found if s.table.startswith(prefix)}


def test_each_person_sees_only_the_suggestions_they_may_decide(world: World) -> None:
    admin, owner, analyst, outsider = world.admin, world.owner, world.analyst, world.outsider
    admin.write_table("Sales", "sales_lakehouse", "crm_contacts", contacts(100))
    admin.write_table("Marketing", "marketing_lakehouse", "leads", contacts(100, seed=9))
    sales = tables(admin, "sales.")
    marketing = {("marketing.marketing_lakehouse.leads", c) for c in ("contact", "phone")}
    assert ("sales.sales_lakehouse.crm_contacts", "contact") in sales
    assert tables(admin) == sales | marketing  # platform admin: everything pending
    assert tables(owner) == sales  # Sales Admin: Sales only, not Marketing's tables
    assert tables(analyst) == set()  # a Marketing Member reads Marketing's tables but decides nothing
    assert tables(outsider) == set()
    admin.update_lakehouse("Marketing", "marketing_lakehouse", data_steward="marketing-analyst@company.com")
    assert tables(analyst) == marketing  # …until they are the lakehouse's steward


def test_decided_suggestions_leave_the_list_and_the_limit_bounds_it(world: World) -> None:
    admin, owner = world.admin, world.owner
    admin.write_table("Sales", "sales_lakehouse", "crm_contacts", contacts(100))
    every = owner.platform.classification.decidable_suggestions(owner.principal)
    pending = [s for s in every if s.table == "sales.sales_lakehouse.crm_contacts"]
    assert [s.column for s in pending] == ["contact", "phone"] and {s.status for s in every} == {"pending"}
    owner.accept_suggestion(pending[0].id)
    owner.reject_suggestion(pending[1].id)
    assert len(tables(owner)) == len(every) - 2
    admin.write_table("Sales", "sales_lakehouse", "more", contacts(50, seed=3))
    assert len(owner.platform.classification.decidable_suggestions(owner.principal, limit=1)) == 1
    assert all("@" not in s.model_dump_json() for s in pending)  # counts, never sampled values
