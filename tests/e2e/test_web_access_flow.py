"""Issue 30.3 in a real browser: the access flow where people look. A requester picks columns and duration and can
cancel; a second submission stays on the form; approvers narrow; decided requests stay listed; the header counts
what waits; grants are revoked from the product's consumers list. Each test uses its own requester, so the tests
stand alone (in any order, on any xdist worker)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.browser_support import BROWSER_MARKS, OWNER, Watch, demo_server, shot, signed_in
from tests.integration.conftest import Server

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
pytestmark = BROWSER_MARKS
Served = tuple[Server, dict[str, str]]
PRODUCT = "/products/sales/customer-360"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with demo_server(tmp_path_factory, "access-flow") as value:
        yield value


def analyst(server: Server, name: str) -> str:
    """A new Marketing Contributor (an outsider to Sales); returns their API token."""
    principal = f"{name}@company.com"
    with server.client() as http:
        assert http.post("/api/v1/principals", json={"name": principal}).status_code == 201
        http.post("/api/v1/domains/Marketing/members", json={"principal": principal, "role": "Contributor"})
        token: str = http.post("/api/v1/tokens", json={"principal": principal}).json()["secret"]
    return token


def api_request(server: Server, token: str, **extra: Any) -> dict[str, Any]:
    with server.client(token) as http:
        made = http.post("/api/v1/access-requests", json={"product": "sales/customer-360", "purpose": "Campaigns",
                                                          **extra})  # fmt: skip
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def test_a_requester_picks_columns_and_duration_submits_twice_inline_and_cancels(browser: Any, served: Served) -> None:
    server, _ = served
    watch = Watch()
    page = signed_in(browser, server, analyst(server, "requester-a"), watch)
    page.goto(f"{server.url}{PRODUCT}")
    form = page.locator("#request-access")
    form.get_by_label("Why do you need this data?").fill("Churn campaign")
    form.get_by_role("checkbox", name="customer_id").check()
    form.get_by_role("checkbox", name="segment").check()
    form.get_by_label("For how long").select_option("30d")
    shot(page, "request-access-form")
    form.get_by_role("button", name="Request access").click()
    expect(page.get_by_role("status")).to_contain_text("Access requested")

    form.get_by_label("Why do you need this data?").fill("Asked again")  # a second tab, or the back button
    form.get_by_role("button", name="Request access").click()
    expect(page.get_by_role("alert")).to_contain_text("You already asked for access to this product")
    expect(page.get_by_role("heading", name="Conflict")).to_have_count(0)
    expect(page.get_by_role("heading", name="Customer 360", exact=True)).to_be_visible()
    expect(form.get_by_label("Why do you need this data?")).to_have_value("Asked again")
    assert "ar_" not in page.get_by_role("alert").inner_text()  # no raw id

    page.get_by_role("link", name="See your requests on the Access page.").click()
    mine = page.locator("#my-requests li", has_text="Customer 360")
    expect(mine).to_contain_text("asked for: customer_id, segment for 30d")
    page.once("dialog", lambda dialog: dialog.accept())
    mine.get_by_role("button", name="Cancel my request for Customer 360").click()
    expect(page.get_by_role("status").first).to_contain_text("Request cancelled")
    expect(page.locator("#my-requests li", has_text="Customer 360")).to_contain_text("cancelled")
    expect(page.get_by_role("button", name="Cancel my request for Customer 360")).to_have_count(0)
    assert watch.problems == [], watch.problems


def test_an_approver_sees_the_waiting_count_narrows_and_keeps_the_history(browser: Any, served: Served) -> None:
    server, tokens = served
    asked = api_request(
        server, analyst(server, "requester-b"), columns=["customer_id", "segment", "lifetime_value"], duration="90d"
    )
    with server.client(tokens[OWNER]) as http:
        waiting = http.get("/api/v1/access-requests", params={"role": "approver", "state": "pending"}).json()["items"]
    watch = Watch()
    page = signed_in(browser, server, tokens[OWNER], watch)
    access_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Access")
    expect(access_link).to_contain_text(f"{len(waiting)} request")
    expect(page.locator("#waiting-count")).to_have_text(str(len(waiting)))
    access_link.click()

    card = page.locator(f"#request-{asked['id']}")
    card.get_by_role("checkbox", name="lifetime_value").uncheck()
    card.get_by_label("Grant for").fill("7d")
    shot(page, "access-approve-narrowed")
    card.get_by_role("button", name="Approve").click()
    expect(page.locator("#decision-live")).to_contain_text("approved")
    expect(page.locator(f"#request-{asked['id']}")).to_contain_text("granted: customer_id, segment for 7d")

    page.reload()  # decided requests no longer vanish
    decided = page.get_by_role("table", name="Requests you could decide")
    row = decided.locator("tr", has_text="requester-b@company.com")
    expect(row).to_contain_text("approved")
    expect(row).to_contain_text("customer_id, segment for 7d")
    expect(row).to_contain_text(OWNER)
    with server.client(tokens[OWNER]) as http:
        grants = http.get("/api/v1/grants", params={"product": "sales/customer-360"}).json()["items"]
    grant = next(g for g in grants if g["request_id"] == asked["id"])
    assert grant["columns"] == ["customer_id", "segment"]
    left = len(waiting) - 1
    if left:
        expect(page.locator("#waiting-count")).to_have_text(str(left))
    else:
        expect(page.locator("#waiting-count")).to_have_count(0)
    assert watch.problems == [], watch.problems


def test_widening_on_approval_is_an_error_in_the_card(browser: Any, served: Served) -> None:
    server, tokens = served
    asked = api_request(server, analyst(server, "requester-c"), duration="30d")
    page = signed_in(browser, server, tokens[OWNER], Watch())
    page.goto(f"{server.url}/access")
    card = page.locator(f"#request-{asked['id']}")
    card.get_by_label("Grant for").fill("180d")
    card.get_by_role("button", name="Approve").click()
    expect(page.locator(f"#request-{asked['id']}").get_by_role("alert")).to_contain_text("may only narrow")
    expect(page.locator(f"#request-{asked['id']}").get_by_role("button", name="Approve")).to_be_visible()
    page.context.close()


def test_an_owner_revokes_a_grant_from_the_consumers_list(browser: Any, served: Served) -> None:
    server, tokens = served
    token = analyst(server, "requester-d")
    asked = api_request(server, token)
    with server.client(tokens[OWNER]) as http:
        assert http.post(f"/api/v1/access-requests/{asked['id']}/approve", json={}).is_success
    with server.client(token) as http:
        query = {"sql": "SELECT count(*) AS n FROM sales.sales_lakehouse.gold_customer_360"}
        assert http.post("/api/v1/query", json=query).is_success

    consumer = signed_in(browser, server, token, Watch())  # a grantee may give up their own grant, not others'
    consumer.goto(f"{server.url}{PRODUCT}")
    consumers = consumer.get_by_role("table", name="Who reads Customer 360")
    expect(consumers.get_by_role("button", name="Revoke the grant of requester-d@company.com")).to_be_visible()
    expect(consumers.get_by_role("button", name="Revoke the grant of requester-b@company.com")).to_have_count(0)
    consumer.context.close()

    watch = Watch()
    page = signed_in(browser, server, tokens[OWNER], watch)
    page.goto(f"{server.url}{PRODUCT}")
    consumers = page.get_by_role("table", name="Who reads Customer 360")
    page.once("dialog", lambda dialog: dialog.accept())
    consumers.get_by_role("button", name="Revoke the grant of requester-d@company.com").click()
    expect(page.get_by_role("status").first).to_contain_text("Grant of requester-d@company.com revoked")
    expect(consumers.get_by_role("row", name="requester-d@company.com")).to_have_count(0)
    with server.client(token) as http:
        assert http.post("/api/v1/query", json=query).status_code == 404  # reads stop at once
    assert watch.problems == [], watch.problems
