import pytest

from lakemesh.core.errors import Conflict, Forbidden, InvalidInput, NotFound, PreconditionFailed
from lakemesh.mesh import Mesh
from tests.conftest import user


def test_create_and_read_a_domain_by_any_case_or_seed_alias(admin: Mesh) -> None:
    created = admin.create_domain(
        "Sales",
        description="Sales team's data products",
        owner="Sales-Data-Team@company.com",
        tags=["crm", "CRM", "sales"],
    )
    assert created.slug == "sales"
    assert created.owner == "sales-data-team@company.com"
    assert created.tags == ["crm", "sales"]
    for ref in ("sales", "SALES", "Sales-Domain", created.id):
        assert admin.get_domain(ref).id == created.id


def test_duplicate_names_conflict_in_any_case(admin: Mesh) -> None:
    admin.create_domain("Sales")
    with pytest.raises(Conflict):
        admin.create_domain("SALES")


@pytest.mark.parametrize("bad", ["", "x" * 129, "a/b", "../etc", "ctrl\x07", "***"])
def test_bad_domain_names_are_refused(admin: Mesh, bad: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        admin.create_domain(bad)
    assert caught.value.errors[0].loc == ("name",)
    assert admin.list_domains() == []


def test_bad_contacts_are_refused_per_field(admin: Mesh) -> None:
    with pytest.raises(InvalidInput) as caught:
        admin.create_domain("Sales", owner="not-an-email", steward="also not")
    assert [e.loc for e in caught.value.errors] == [("owner",), ("steward",)]


def test_list_is_paginated_with_a_cursor(admin: Mesh) -> None:
    for index in range(7):
        admin.create_domain(f"Domain {index}")
    service = admin.platform.domains
    first = service.list_domains(admin.principal, limit=3)
    second = service.list_domains(admin.principal, limit=3, cursor=first.next_cursor)
    third = service.list_domains(admin.principal, limit=3, cursor=second.next_cursor)
    names = [d.name for d in first.items + second.items + third.items]
    assert names == [f"Domain {i}" for i in range(7)]
    assert third.next_cursor is None
    with pytest.raises(InvalidInput):
        service.list_domains(admin.principal, cursor="garbage!")


def test_update_with_a_stale_etag_is_refused(admin: Mesh) -> None:
    created = admin.create_domain("Sales")
    updated = admin.update_domain("sales", description="new", if_match=created.etag)
    assert updated.description == "new" and updated.etag != created.etag
    with pytest.raises(PreconditionFailed):
        admin.update_domain("sales", description="lost update", if_match=created.etag)
    assert admin.get_domain("sales").description == "new"


def test_roles_decide_who_may_do_what(admin: Mesh) -> None:
    admin.create_domain("Sales")
    viewer, member, outsider = (user(admin, n) for n in ("v@c.com", "m@c.com", "o@c.com"))
    admin.add_member("sales", "v@c.com", "viewer")
    admin.add_member("sales", "m@c.com", "Member")
    assert viewer.get_domain("sales").name == "Sales"  # domains are discoverable by everyone
    assert [m.role for m in viewer.list_members("sales")] == ["Member", "Viewer"]
    with pytest.raises(Forbidden):
        viewer.update_domain("sales", description="x")
    with pytest.raises(Forbidden):
        member.add_member("sales", "o@c.com", "Admin")
    with pytest.raises(Forbidden):
        outsider.list_members("sales")
    with pytest.raises(Forbidden):
        viewer.create_domain("Mine")
    with pytest.raises(NotFound):
        viewer.get_domain("does-not-exist")


def test_a_domain_keeps_an_admin(admin: Mesh) -> None:
    admin.create_domain("Sales")
    user(admin, "a@c.com")
    admin.add_member("sales", "a@c.com", "Admin")
    with pytest.raises(Conflict):
        admin.add_member("sales", "a@c.com", "Viewer")
    admin.remove_member("sales", "a@c.com")  # no members left at all: platform admins run it
    assert admin.list_members("sales") == []


def test_delete_refuses_while_the_domain_holds_things_unless_forced(admin: Mesh) -> None:
    admin.create_domain("Sales")
    purged: list[str] = []
    admin.platform.domains.register_dependent(
        lambda session, domain_id: ("lakehouses", 2), lambda session, domain_id: purged.append(domain_id)
    )
    with pytest.raises(Conflict, match="2 lakehouses"):
        admin.delete_domain("sales")
    admin.delete_domain("sales", force=True)
    assert len(purged) == 1
    with pytest.raises(NotFound):
        admin.get_domain("sales")


def test_every_mutation_is_audited_with_who_and_what(admin: Mesh) -> None:
    admin.create_domain("Sales")
    user(admin, "a@c.com")
    admin.add_member("sales", "a@c.com", "Admin")
    admin.update_domain("sales", description="changed")
    entries = admin.audit(domain="Sales")
    assert [e.action for e in entries] == ["domain.updated", "member.added", "domain.created"]
    assert entries[0].summary == {"before": {"description": ""}, "after": {"description": "changed"}}
    assert all(e.actor == "admin" for e in entries)
    domain_admin = admin.as_principal(admin.create_token(principal="a@c.com").secret)
    assert {e.domain for e in domain_admin.audit()} == {"sales"}


def test_outbox_gets_an_event_for_each_mutation_in_the_same_transaction(admin: Mesh) -> None:
    from sqlalchemy import select

    from lakemesh.catalog.tables.audit import OutboxRow

    admin.create_domain("Sales")
    with pytest.raises(Conflict):
        admin.create_domain("sales")  # a refused mutation leaves no event behind
    with admin.platform.catalog.read() as session:
        types = list(session.scalars(select(OutboxRow.type).where(OutboxRow.resource_type == "domain")))
    assert types == ["domain.created"]


def test_the_domain_owner_becomes_an_admin_member(admin: Mesh) -> None:
    owner = user(admin, "lead@c.com")
    admin.create_domain("Finance", owner="Lead@c.com")
    assert [(m.principal, m.role.value) for m in admin.list_members("finance")] == [("lead@c.com", "Admin")]
    owner.update_domain("finance", description="run by its owner")  # an Admin may edit the domain
    user(admin, "next@c.com")
    admin.add_member("finance", "next@c.com", "Viewer")
    admin.update_domain("finance", owner="next@c.com")  # a new owner is promoted to Admin
    roles = {m.principal: m.role.value for m in admin.list_members("finance")}
    assert roles == {"lead@c.com": "Admin", "next@c.com": "Admin"}


def test_an_owner_without_an_account_assigns_nobody(admin: Mesh) -> None:
    admin.create_domain("Finance", owner="nobody-yet@c.com")
    assert admin.list_members("finance") == []
