"""The web UI in a real browser: sign in, search → product → request access → approve as owner → query as
consumer; governance, pipelines, runs and the product's lineage graph; a screenshot of every main page.
No 5xx, no console errors. Shared helpers live in browser_support.py, the browser in conftest.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.browser_support import BROWSER_MARKS, CONSUMER, OWNER, Watch, demo_server, shot, signed_in
from tests.integration.conftest import Server

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def mesh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, str]]]:
    with demo_server(tmp_path_factory, "web") as served:
        yield served


def test_search_request_approve_query(
    browser: playwright_api.Browser, mesh_server: tuple[Server, dict[str, str]]
) -> None:
    server, tokens = mesh_server
    watch = Watch()
    consumer = signed_in(browser, server, tokens[CONSUMER], watch)
    playwright_api.expect(consumer.get_by_role("heading", name="Mesh health")).to_be_visible()
    shot(consumer, "home")

    consumer.get_by_role("link", name="Marketplace").click()
    consumer.get_by_label("Search data products").fill("customer")
    consumer.get_by_role("button", name="Search").click()
    link = consumer.get_by_role("link", name="Customer 360")
    playwright_api.expect(link).to_be_visible()
    shot(consumer, "marketplace")
    link.click()
    playwright_api.expect(consumer.get_by_role("heading", name="Customer 360", exact=True)).to_be_visible()
    playwright_api.expect(consumer.get_by_text("You cannot read this product's data yet")).to_be_visible()
    consumer.get_by_label("Why do you need this data?").fill("Campaign targeting analysis")
    consumer.get_by_role("button", name="Request access").click()
    playwright_api.expect(consumer.get_by_role("status")).to_contain_text("Access requested")
    shot(consumer, "product")

    owner = signed_in(browser, server, tokens[OWNER], watch)
    owner.get_by_role("link", name="Access").click()
    playwright_api.expect(owner.get_by_text("Campaign targeting analysis")).to_be_visible()
    owner.get_by_role("button", name="Approve").click()  # htmx swaps the request in place
    playwright_api.expect(owner.locator(".requests .badge").first).to_have_text("approved")
    shot(owner, "access")

    consumer.get_by_role("link", name="Query").click()
    consumer.get_by_label("SQL", exact=False).fill(
        "SELECT segment, count(*) AS customers FROM sales.sales_lakehouse.gold_customer_360 GROUP BY segment"
    )
    consumer.get_by_role("button", name="Run").click()
    playwright_api.expect(consumer.get_by_role("region", name="Query results")).to_contain_text("customers")
    shot(consumer, "query")
    with consumer.expect_download() as download:
        consumer.get_by_role("button", name="Download CSV").click()
    assert Path(download.value.path()).read_text().startswith("segment,customers")
    assert watch.problems == []


def test_every_main_page_renders_for_the_owner(
    browser: playwright_api.Browser, mesh_server: tuple[Server, dict[str, str]]
) -> None:
    server, tokens = mesh_server
    watch = Watch()
    page = signed_in(browser, server, tokens[OWNER], watch)
    pages = {
        "domains": "/domains",
        "domain": "/domains/sales",
        "table": "/domains/sales/lakehouses/sales_lakehouse/tables/gold_customer_360",
        "governance": "/governance",
        "product-owner": "/products/sales/customer-360",
        "pipeline": "/domains/sales/pipelines/segments",
        "pipeline-run": f"/domains/sales/pipelines/segments/runs/{tokens['run']}",
    }
    for name, path in pages.items():
        response = page.goto(f"{server.url}{path}")
        assert response is not None and response.status == 200, path
        shot(page, name)
    assert watch.problems == [], watch.problems


def test_governance_pipelines_and_lineage_pages(
    browser: playwright_api.Browser, mesh_server: tuple[Server, dict[str, str]]
) -> None:
    server, tokens = mesh_server
    watch = Watch()
    page = signed_in(browser, server, tokens[OWNER], watch)
    page.get_by_role("link", name="Governance").click()
    playwright_api.expect(page.get_by_role("table", name="Open violations")).to_contain_text("gold_customer_360")
    playwright_api.expect(page.get_by_role("table", name="Share of subject checks")).to_contain_text("sales")

    page.goto(f"{server.url}/domains/sales")
    page.get_by_role("link", name="segments", exact=True).click()
    playwright_api.expect(page.get_by_role("heading", name="segments", exact=True)).to_be_visible()
    page.get_by_role("link", name=tokens["run"]).click()
    playwright_api.expect(page.get_by_role("log", name="Run logs")).to_contain_text("silver_segments")

    page.goto(f"{server.url}/products/sales/customer-360")
    graph = page.get_by_role("region", name="Lineage graph")
    playwright_api.expect(graph.locator("svg.lineage")).to_be_visible()
    graph.get_by_role("link", name="table sales.sales_lakehouse.gold_customer_360").click()  # nodes link to pages
    page.wait_for_url(f"{server.url}/domains/sales/lakehouses/sales_lakehouse/tables/gold_customer_360")
    assert watch.problems == [], watch.problems
    page.goto(f"{server.url}/products/sales/no-such-product")  # the browser logs this 404 itself
    playwright_api.expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    page.keyboard.press("Tab")  # the first stop is the skip link: keyboard users reach the content at once
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
