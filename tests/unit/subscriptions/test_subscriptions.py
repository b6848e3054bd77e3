"""Subscribers are told of incidents, new versions, deprecation and announcements; grantees by default."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from lakemesh.core.errors import Forbidden, InvalidInput, NotFound
from lakemesh.mesh import Mesh
from tests.unit.access.conftest import World, customers, grant_to
from tests.unit.metrics.test_web_pages import csrf_of, sign_in

PRODUCT = ("sales", "customer-360")


def fresh_customers() -> pa.Table:
    table = customers()
    now = pa.array([datetime.now(UTC)] * table.num_rows, pa.timestamp("us", tz="UTC"))
    return table.set_column(table.schema.get_field_index("last_updated"), "last_updated", now)


def titles(mesh: Mesh, event: str | None = None) -> list[str]:
    return [n.title for n in reversed(mesh.notifications()) if event is None or n.event == event]


def test_a_subscriber_is_told_of_an_incident_once_and_of_its_resolution(world: World) -> None:
    world.analyst.subscribe(*PRODUCT)
    run = world.owner.run_quality(*PRODUCT)  # the seed's rule `last_updated within 25 hours` fails on old rows
    assert run.status == "failed"
    opened = [t for t in titles(world.analyst, "incident.opened") if "Quality run failed" in t]
    assert opened == ["Incident opened: Quality run failed: last_updated within 25 hours below threshold"]
    world.owner.run_quality(*PRODUCT)  # the same cause: the incident is updated, nobody is told twice
    assert len([t for t in titles(world.analyst, "incident.opened") if "Quality run failed" in t]) == 1

    world.admin.write_table("sales", "sales_lakehouse", "gold_customer_360", fresh_customers(), mode="overwrite")
    assert world.owner.run_quality(*PRODUCT).status == "passed"
    resolved = [t for t in titles(world.analyst, "incident.resolved") if "Quality run failed" in t]
    assert resolved == ["Incident resolved: Quality run failed: last_updated within 25 hours below threshold"]
    notice = next(n for n in world.analyst.notifications() if n.title == resolved[0])
    assert notice.product == "sales/customer-360" and notice.to == "marketing-analyst@company.com"
    assert str(notice.payload["resolution"]).startswith("resolved automatically: quality run")
    assert world.outsider.notifications() == []


def test_grantees_are_subscribed_by_default_and_may_opt_out(world: World) -> None:
    grant_to(world, world.analyst)
    [mine] = world.analyst.list_subscriptions(*PRODUCT)
    assert (mine.subscriber, mine.source) == ("marketing-analyst@company.com", "grant")
    world.owner.announce(*PRODUCT, "Backfill on Saturday", text="The table is rewritten from 06:00 UTC.")
    assert titles(world.analyst, "announcement.posted") == ["Announcement: Backfill on Saturday"]

    world.analyst.unsubscribe(*PRODUCT)
    assert world.analyst.list_subscriptions(*PRODUCT) == []
    world.owner.announce(*PRODUCT, "Backfill done")
    assert titles(world.analyst, "announcement.posted") == ["Announcement: Backfill on Saturday"]
    world.analyst.subscribe(*PRODUCT)  # and back in
    world.owner.announce(*PRODUCT, "New column next week")
    assert titles(world.analyst)[-1] == "Announcement: New column next week"


def test_new_versions_and_deprecation_are_announced(world: World) -> None:
    world.analyst.subscribe(*PRODUCT)
    contract = copy.deepcopy(world.owner.get_product(*PRODUCT).contract)
    contract["schema"]["segment"]["description"] = "Customer segment (Enterprise, SMB, Consumer)"
    world.owner.update_product(*PRODUCT, contract=contract)
    world.owner.deprecate_product(*PRODUCT, sunset_date="2099-01-01", reason="replaced by Customer 360 v2")
    notices = titles(world.analyst)
    assert notices[0].startswith("New version 1.") and "breaking" not in notices[0]
    assert notices[-1].startswith("Deprecated (version 1.")


def test_every_member_of_a_subscribed_domain_is_told(world: World) -> None:
    with pytest.raises(Forbidden):  # a Member is not an Admin of Marketing
        world.analyst.subscribe(*PRODUCT, subscriber="domain:marketing")
    world.admin.subscribe(*PRODUCT, subscriber="domain:marketing")
    world.owner.announce(*PRODUCT, "Schema review on Monday")
    [notice] = world.analyst.notifications()
    assert (notice.title, notice.to) == ("Announcement: Schema review on Monday", "domain:marketing")
    subscribers = {(s.subscriber, s.kind) for s in world.owner.list_subscriptions(*PRODUCT)}
    assert subscribers == {("domain:marketing", "domain")}
    assert {s.subscriber for s in world.analyst.list_subscriptions(*PRODUCT)} == {"domain:marketing"}
    assert world.outsider.list_subscriptions(*PRODUCT) == []


def test_only_the_owner_and_domain_admins_post_announcements(world: World) -> None:
    for who in (world.analyst, world.outsider):
        with pytest.raises(Forbidden):
            who.announce(*PRODUCT, "Free data for everyone")
    world.admin.add_member("Sales", "marketing-analyst@company.com", "Contributor")
    with pytest.raises(Forbidden):  # a Contributor of the domain is still not its Admin
        world.analyst.announce(*PRODUCT, "Free data for everyone")
    posted = world.owner.announce(*PRODUCT, "Maintenance window")
    assert posted.created_by == "sales-data-team@company.com"
    assert [a.title for a in world.outsider.announcements(*PRODUCT)] == ["Maintenance window"]


def test_announcements_show_only_within_their_window(world: World) -> None:
    now = datetime.now(UTC)
    world.owner.announce(*PRODUCT, "Later", starts_at=now + timedelta(days=2))
    world.owner.announce(*PRODUCT, "Over", starts_at=now - timedelta(days=3), ends_at=now - timedelta(days=1))
    world.owner.announce(*PRODUCT, "Now", ends_at=now + timedelta(days=1))
    assert [a.title for a in world.analyst.announcements(*PRODUCT)] == ["Now"]
    assert {a.title for a in world.analyst.announcements(*PRODUCT, current=False)} == {"Later", "Over", "Now"}


def test_subscribing_others_is_refused_and_hidden_products_are_not_found(world: World) -> None:
    with pytest.raises(Forbidden):
        world.analyst.subscribe(*PRODUCT, subscriber="outsider@company.com")
    with pytest.raises(InvalidInput):
        world.admin.subscribe(*PRODUCT, subscriber="domain:no-such-domain")
    with pytest.raises(NotFound):
        world.analyst.subscribe("sales", "no-such-product")
    with pytest.raises(NotFound):
        world.analyst.unsubscribe(*PRODUCT)  # never subscribed


@pytest.mark.parametrize(
    "window",
    [
        {"title": ""},
        {"title": "x" * 201},
        {"title": "ok", "starts_at": datetime(2030, 1, 2, tzinfo=UTC), "ends_at": datetime(2030, 1, 1, tzinfo=UTC)},
        {"title": "ok", "starts_at": datetime(2030, 1, 2)},  # no time zone
    ],
)
def test_a_bad_announcement_is_refused(world: World, window: dict[str, object]) -> None:
    title = str(window.pop("title"))
    with pytest.raises(InvalidInput):
        world.owner.announce(*PRODUCT, title, **window)  # type: ignore[arg-type]


def test_a_bad_notification_limit_is_refused(world: World) -> None:
    for limit in (0, 501):
        with pytest.raises(InvalidInput):
            world.analyst.notifications(limit=limit)


def test_the_product_page_has_a_subscribe_button_and_shows_announcements(world: World) -> None:
    client = sign_in(world.admin, "marketing-analyst@company.com")
    page = client.get("/products/sales/customer-360").text
    assert 'id="subscription-button">Subscribe</button>' in page
    form = {"csrf_token": csrf_of(page), "action": "subscribe"}
    answer = client.post("/products/sales/customer-360/subscription", data=form, follow_redirects=False)
    assert answer.status_code == 303
    assert [s.subscriber for s in world.analyst.list_subscriptions(*PRODUCT)] == ["marketing-analyst@company.com"]
    world.owner.announce(*PRODUCT, "Backfill on Saturday", text="From 06:00 UTC.")
    page = client.get("/products/sales/customer-360").text
    assert 'id="subscription-button">Unsubscribe</button>' in page
    assert "<strong>Backfill on Saturday</strong> — From 06:00 UTC." in page
    without_csrf = client.post("/products/sales/customer-360/subscription", data={"action": "unsubscribe"})
    assert without_csrf.status_code in (400, 403)
    assert world.analyst.list_subscriptions(*PRODUCT) != []
