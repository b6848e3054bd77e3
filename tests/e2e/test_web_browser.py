"""The web UI in a real browser (Playwright driving Debian's chromium at /usr/bin/chromium, no download):
sign in, search → product → request access → approve as owner → query as consumer; governance, pipelines,
runs and the product's lineage graph; a screenshot of every main page lands in tests/e2e/screenshots/ (a CI
artifact, not committed). No 5xx, no console errors."""

from __future__ import annotations

import copy
import io
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from lakemesh.demodata import customer_360
from tests.conftest import PG_BASE, create_pg_database, drop_pg_database
from tests.integration.conftest import Server, start_server
from tests.unit.products.seed import CUSTOMER_360

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parent / "screenshots"
OWNER, CONSUMER = "sales-data-team@company.com", "marketing-analyst@company.com"
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists() and not shutil.which("chromium"), reason="apt-get install chromium"),
]


def _arrow(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


@pytest.fixture(scope="module")
def mesh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, str]]]:
    """A fresh server holding the seed's Sales domain with Customer 360 published, and Marketing's analyst."""
    home = tmp_path_factory.mktemp("web") / "home"
    catalog_url = create_pg_database(PG_BASE, "lakemesh_web") if PG_BASE else None
    process, server = start_server(home, catalog_url)
    tokens: dict[str, str] = {"admin": server.token}
    with server.client() as http:
        for name in (OWNER, CONSUMER):
            assert http.post("/api/v1/principals", json={"name": name}).status_code == 201
            tokens[name] = http.post("/api/v1/tokens", json={"principal": name}).json()["secret"]
        for domain in ("Sales", "Marketing"):
            assert http.post("/api/v1/domains", json={"name": domain}).status_code == 201
        http.post("/api/v1/domains/Sales/members", json={"principal": OWNER, "role": "Admin"})
        http.post("/api/v1/domains/Marketing/members", json={"principal": CONSUMER, "role": "Contributor"})
        http.post("/api/v1/domains/Sales/lakehouses", json={"name": "sales_lakehouse"})
        url = "/api/v1/domains/Sales/lakehouses/sales_lakehouse/tables/gold_customer_360/data"
        data = _arrow(customer_360(60, now=datetime.now(UTC)))
        assert http.post(url, content=data, headers={"Content-Type": "application/vnd.apache.arrow.stream"}).is_success
        assert http.post("/api/v1/products", json=copy.deepcopy(CUSTOMER_360)).status_code == 201
        assert http.post("/api/v1/products/sales/customer-360/publish").is_success
        steps = [{"name": "segments", "type": "sql", "target": {"table": "silver_segments"},
                  "sql": "select segment, count(*) as customers from gold_customer_360 group by segment"}]  # fmt: skip
        pipeline = {"lakehouse": "sales_lakehouse", "steps": steps}
        assert http.put("/api/v1/domains/Sales/pipelines/segments", json=pipeline).is_success
        run = http.post("/api/v1/domains/Sales/pipelines/segments/runs", params={"wait": "true"}).json()
        assert run["state"] == "succeeded", run
        tokens["run"] = run["id"]
        policy = {"name": "described", "description": "Tables say what they hold", "scope": "GLOBAL",
                  "rule": "tables must have description is set", "enforcement": "warn"}  # fmt: skip
        assert http.put("/api/v1/policies/described", json=policy).is_success
        assert http.post("/api/v1/governance/evaluate", json={}).is_success
    yield server, tokens
    process.terminate()
    process.wait(timeout=20)
    if PG_BASE and catalog_url:
        drop_pg_database(PG_BASE, catalog_url)


class Watch:
    """Collects what must never happen on any page: console errors, uncaught errors and 5xx responses."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def attach(self, page: playwright_api.Page) -> None:
        page.on("console", lambda m: self.problems.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("response", lambda r: self.problems.append(f"{r.status} {r.url}") if r.status >= 500 else None)


@pytest.fixture(scope="module")
def browser() -> Iterator[playwright_api.Browser]:
    executable = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    with playwright_api.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


def signed_in(browser: playwright_api.Browser, server: Server, token: str, watch: Watch) -> playwright_api.Page:
    page = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True).new_page()
    watch.attach(page)
    page.goto(f"{server.url}/")
    assert "/login" in page.url
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server.url}/")
    return page


def shot(page: playwright_api.Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


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
