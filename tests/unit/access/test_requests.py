"""Access requests: routed to the owner and the domain's Admins, decided, cancelled, with history on both sides."""

from __future__ import annotations

import pytest

from lakemesh.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tests.conftest import user
from tests.unit.access.conftest import World


def test_request_is_routed_to_owner_and_domain_admins(world: World) -> None:
    request = world.analyst.request_access(
        "sales/customer-360", "campaign targeting", columns=["customer_id", "segment"]
    )
    assert request.state == "pending"
    assert request.approvers == ["sales-data-team@company.com"]
    assert [r.id for r in world.owner.list_access_requests(role="approver")] == [request.id]
    assert [r.id for r in world.analyst.list_access_requests(role="requester")] == [request.id]
    assert world.outsider.list_access_requests() == []
    events = list(world.admin.audit(action="access.requested"))
    assert events and events[0].resource_id == request.id


def test_the_seed_can_name_the_product_alone(world: World) -> None:
    request = world.analyst.request_access("Customer 360", "Need for campaign targeting analysis")
    assert request.product == "sales/customer-360" and request.duration == "90d"


def test_approval_narrows_and_creates_an_expiring_grant(world: World) -> None:
    request = world.analyst.request_access(
        "sales/customer-360", "targeting", columns=["customer_id", "email", "segment"], duration="30d"
    )
    approved = world.owner.approve_access_request(
        request.id, columns=["customer_id", "segment"], duration="7d", note="ok"
    )
    assert approved.state == "approved" and approved.decided_by == "sales-data-team@company.com"
    assert [h.action for h in approved.history] == ["requested", "approved"]
    grants = world.analyst.list_grants()
    assert len(grants) == 1 and grants[0].columns == ["customer_id", "segment"]
    assert grants[0].expires_at is not None and grants[0].table == "sales.sales_lakehouse.gold_customer_360"
    assert [g.id for g in world.owner.list_grants()] == [grants[0].id]
    assert world.analyst.get_access_request(request.id).history[-1].note == "ok"


def test_approval_may_not_widen(world: World) -> None:
    request = world.analyst.request_access("sales/customer-360", "targeting", columns=["customer_id"], duration="7d")
    with pytest.raises(InvalidInput):
        world.owner.approve_access_request(request.id, columns=["customer_id", "email"])
    with pytest.raises(InvalidInput):
        world.owner.approve_access_request(request.id, duration="30d")


def test_deny_needs_a_reason_and_is_final(world: World) -> None:
    request = world.analyst.request_access("sales/customer-360", "targeting")
    with pytest.raises(InvalidInput):
        world.owner.deny_access_request(request.id, "   ")
    denied = world.owner.deny_access_request(request.id, "use Segment Targets instead")
    assert denied.state == "denied" and denied.reason == "use Segment Targets instead"
    with pytest.raises(Conflict):
        world.owner.approve_access_request(request.id)
    assert world.analyst.list_grants() == []


def test_only_approvers_decide(world: World) -> None:
    request = world.analyst.request_access("sales/customer-360", "targeting")
    with pytest.raises(Forbidden):
        world.analyst.approve_access_request(request.id)
    with pytest.raises(NotFound):  # not involved: the request is not even visible
        world.outsider.approve_access_request(request.id)
    member = user(world.admin, "sales-steward@company.com")
    world.admin.add_member("Sales", "sales-steward@company.com", "Member")
    with pytest.raises(Forbidden):  # Members of the domain see it but only Admins and the owner decide
        member.approve_access_request(request.id)


def test_requester_cancels_only_pending(world: World) -> None:
    request = world.analyst.request_access("sales/customer-360", "targeting")
    with pytest.raises(Forbidden):
        world.owner.cancel_access_request(request.id)
    cancelled = world.analyst.cancel_access_request(request.id)
    assert cancelled.state == "cancelled"
    with pytest.raises(Conflict):
        world.analyst.cancel_access_request(request.id)


@pytest.mark.parametrize(
    ("product", "kwargs", "error"),
    [
        ("sales/no-such-product", {}, NotFound),
        ("nowhere/customer-360", {}, NotFound),
        ("sales/customer-360", {"columns": ["customer_id", "ssn"]}, InvalidInput),
        ("sales/customer-360", {"columns": []}, InvalidInput),
        ("sales/customer-360", {"duration": "forever"}, InvalidInput),
        ("sales/customer-360", {"duration": "400d"}, InvalidInput),
        ("sales/customer-360", {"duration": "0d"}, InvalidInput),
        ("sales/customer-360", {"grantee": "domain:sales"}, Forbidden),
        ("sales/customer-360", {"grantee": "outsider@company.com"}, InvalidInput),
    ],
)
def test_bad_requests_are_refused(
    world: World, product: str, kwargs: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error):
        world.analyst.request_access(product, "why", **kwargs)


def test_blank_purpose_and_duplicates_are_refused(world: World) -> None:
    with pytest.raises(InvalidInput):
        world.analyst.request_access("sales/customer-360", "  ")
    world.analyst.request_access("sales/customer-360", "targeting")
    with pytest.raises(Conflict):
        world.analyst.request_access("sales/customer-360", "again")


def test_owners_domain_does_not_request(world: World) -> None:
    with pytest.raises(Conflict):
        world.owner.request_access("sales/customer-360", "mine already")


def test_draft_products_of_other_domains_are_not_found(world: World) -> None:
    document = {**world.admin.get_product("Sales", "Customer 360").model_dump(include={"owner", "storage"})}
    from tests.unit.access.conftest import product_document

    draft = {**product_document(), "name": "Secret Draft", "storage": document["storage"]}
    world.admin.create_product(draft)
    with pytest.raises(NotFound) as hidden:
        world.analyst.request_access("sales/secret-draft", "peek")
    with pytest.raises(NotFound) as missing:
        world.analyst.request_access("sales/never-existed", "peek")
    assert str(hidden.value).replace("secret-draft", "X") == str(missing.value).replace("never-existed", "X")


def test_a_domain_admin_can_request_for_the_whole_domain(world: World) -> None:
    world.admin.add_member("Marketing", "marketing-analyst@company.com", "Admin")
    request = world.analyst.request_access("sales/customer-360", "team", grantee="domain:marketing")
    world.owner.approve_access_request(request.id)
    colleague = user(world.admin, "marketing-intern@company.com")
    world.admin.add_member("Marketing", "marketing-intern@company.com", "Viewer")
    assert colleague.sql("SELECT count(*) AS n FROM product.sales.customer_360").column("n").to_pylist() == [6]


def test_waiting_count_counts_what_each_approver_decides(world: World) -> None:
    """The web header's badge: the owner and platform admins count the pending request; requester and outsiders not."""
    access = world.admin.platform.access
    assert access.waiting_count(world.owner.principal) == 0
    request = world.analyst.request_access("sales/customer-360", "targeting")
    assert access.waiting_count(world.owner.principal) == 1
    assert access.waiting_count(world.admin.principal) == 1
    assert access.waiting_count(world.analyst.principal) == 0
    assert access.waiting_count(world.outsider.principal) == 0
    world.analyst.cancel_access_request(request.id)
    assert access.waiting_count(world.owner.principal) == 0
