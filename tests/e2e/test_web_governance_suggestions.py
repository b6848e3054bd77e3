"""Issue 22.3 in a real browser: the governance page's "Classification suggestions" — the Sales owner accepts the
e-mail suggestion found in the demo's `bronze_crm_customers.email` and the column carries the label; the Marketing
analyst, who may not read that table, sees none of it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from lakemesh.demo.data import crm_customers
from tests.e2e.browser_support import (
    BROWSER_MARKS,
    CONSUMER,
    OWNER,
    Watch,
    arrow_bytes,
    demo_server,
    shot,
    signed_in,
)
from tests.integration.conftest import Server

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
pytestmark = BROWSER_MARKS
Served = tuple[Server, dict[str, str]]
BRONZE = "/domains/sales/lakehouses/sales_lakehouse/tables/bronze_crm_customers"
ACCEPT = "Accept email on sales.sales_lakehouse.bronze_crm_customers.email"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The demo server plus the demo's CRM extract, whose first write suggests `email` on its `email` column."""
    with demo_server(tmp_path_factory, "suggest") as (server, tokens):
        with server.client() as http:
            data = arrow_bytes(crm_customers(200, now=datetime.now(UTC)))
            headers = {"Content-Type": "application/vnd.apache.arrow.stream"}
            assert http.post(f"/api/v1{BRONZE}/data", content=data, headers=headers).is_success
        yield server, tokens


def test_the_marketing_analyst_does_not_see_sales_suggestions(browser: Any, served: Served) -> None:
    """Runs first, while the e-mail suggestion is still pending (the owner's test accepts it)."""
    server, tokens = served
    with server.client() as http:
        pending = http.get(f"/api/v1{BRONZE}/classification-suggestions", params={"status": "pending"}).json()
    assert any(s["column"] == "email" and s["classification"] == "email" for s in pending), pending
    with server.client(tokens[CONSUMER]) as http:  # the analyst may not read the table at all
        assert http.get(f"/api/v1{BRONZE}/classification-suggestions").status_code == 404
    watch = Watch()
    page = signed_in(browser, server, tokens[CONSUMER], watch)
    page.goto(f"{server.url}/governance")
    expect(page.get_by_role("heading", name="Classification suggestions")).to_be_visible()
    expect(page.get_by_text("No classification suggestions waiting for your decision.")).to_be_visible()
    expect(page.get_by_text("bronze_crm_customers")).to_have_count(0)
    assert watch.problems == [], watch.problems
    page.context.close()


def test_the_owner_accepts_a_suggestion_on_the_governance_page(browser: Any, served: Served) -> None:
    server, tokens = served
    watch = Watch()
    page = signed_in(browser, server, tokens[OWNER], watch)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Governance").click()
    section = page.get_by_role("table", name="Classification suggestions waiting for your decision")
    row = section.get_by_role("row").filter(has=page.get_by_role("button", name=ACCEPT))
    expect(row).to_contain_text("bronze_crm_customers")
    expect(row).to_contain_text("found by a scan")
    expect(row.get_by_role("button", name=ACCEPT.replace("Accept", "Reject", 1))).to_be_visible()
    shot(page, "governance-suggestions")
    row.get_by_role("button", name=ACCEPT).click()
    page.wait_for_url("**/governance?notice=*")
    expect(page.get_by_role("status")).to_contain_text(
        "Suggestion accepted: sales.sales_lakehouse.bronze_crm_customers.email as email"
    )
    expect(page.get_by_role("button", name=ACCEPT)).to_have_count(0)
    page.goto(f"{server.url}{BRONZE}")
    expect(page.get_by_label("Sensitivity label of email")).to_have_value("Confidential")
    assert watch.problems == [], watch.problems
    page.context.close()
