"""In a real browser: the glossary by category and by search, a term's page, its link form, terms and profiles on
the product page, the marketplace's term facet and a column's drift chart on the table page."""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator
from datetime import UTC, datetime

import pyarrow as pa
import pytest

from lakemesh.demo.data import customer_360
from tests.conftest import PG_BASE, create_pg_database, drop_pg_database
from tests.e2e.browser_support import BROWSER_MARKS, CONSUMER, OWNER, Watch, signed_in
from tests.integration.conftest import Server, start_server
from tests.unit.products.seed import CUSTOMER_360

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = BROWSER_MARKS
TABLE = "/api/v1/domains/Sales/lakehouses/sales_lakehouse/tables/gold_customer_360"
COLUMNS = "sales.sales_lakehouse.gold_customer_360"


def _arrow(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Sales publishes Customer 360 with glossary terms on its columns and two profiles; Marketing holds a grant."""
    home = tmp_path_factory.mktemp("web-glossary") / "home"
    catalog_url = create_pg_database(PG_BASE, "lakemesh_webg", migrated=True) if PG_BASE else None
    process, started = start_server(home, catalog_url)
    arrow = {"Content-Type": "application/vnd.apache.arrow.stream"}
    with started.client() as http:
        for name in (OWNER, CONSUMER):
            assert http.post("/api/v1/principals", json={"name": name}).status_code == 201
        for domain in ("Sales", "Marketing"):
            assert http.post("/api/v1/domains", json={"name": domain}).status_code == 201
        http.post("/api/v1/domains/Sales/members", json={"principal": OWNER, "role": "Admin"})
        http.post("/api/v1/domains/Marketing/members", json={"principal": CONSUMER, "role": "Member"})
        http.post("/api/v1/domains/Sales/lakehouses", json={"name": "sales_lakehouse"})
        now = datetime.now(UTC)
        assert http.post(TABLE + "/data", content=_arrow(customer_360(20, now=now)), headers=arrow).is_success
        labelled = {"columns": {"customer_name": {"sensitivity_label": "Highly Confidential"}}}
        assert http.patch(TABLE, json=labelled).is_success
        assert http.post(TABLE + "/profile").is_success
        assert http.post(TABLE + "/data", content=_arrow(customer_360(40, now=now)), headers=arrow).is_success
        assert http.post(TABLE + "/profile").is_success
        assert http.post("/api/v1/products", json=copy.deepcopy(CUSTOMER_360)).status_code == 201
        assert http.post("/api/v1/products/sales/customer-360/publish").is_success
        terms = {
            "Customer": {"domain": "sales", "definition": "A party that **buys** from us."},
            "Churn risk": {"domain": "sales", "parent": "Customer", "synonyms": ["attrition"]},
            "Lifetime value": {"domain": "sales", "parent": "Customer", "definition": "Revenue over time."},
        }
        for name, term in terms.items():
            assert http.put(f"/api/v1/glossary/terms/{name}", json=term).is_success
        for name, column in (("Churn risk", "churn_risk"), ("Lifetime value", "lifetime_value")):
            linked = http.post(f"/api/v1/glossary/terms/{name}/links", json={"target": f"{COLUMNS}.{column}"})
            assert linked.is_success, linked.text
        started.env["consumer_token"] = http.post("/api/v1/tokens", json={"principal": CONSUMER}).json()["secret"]
        started.env["owner_token"] = http.post("/api/v1/tokens", json={"principal": OWNER}).json()["secret"]
    with started.client(started.env["consumer_token"]) as http:
        asked = http.post("/api/v1/access-requests", json={"product": "sales/customer-360", "purpose": "Campaigns"})
    with started.client() as http:
        assert http.post(f"/api/v1/access-requests/{asked.json()['id']}/approve", json={}).is_success
    yield started
    process.terminate()
    process.wait(timeout=20)
    if PG_BASE and catalog_url:
        drop_pg_database(PG_BASE, catalog_url)


def test_a_consumer_browses_searches_and_reads_a_term(browser: playwright_api.Browser, server: Server) -> None:
    watch = Watch()
    page = signed_in(browser, server, server.env["consumer_token"], watch)
    page.get_by_role("link", name="Glossary").click()
    tree = page.locator("#glossary-tree")
    assert tree.get_by_role("link").all_inner_texts() == ["Customer", "Churn risk", "Lifetime value"]
    page.get_by_label("Search terms and synonyms").fill("attrition")
    page.get_by_role("button", name="Search").click()
    page.locator("#glossary-results").get_by_role("link", name="Churn risk").click()
    assert page.locator("#synonyms").inner_text() == "attrition"
    # the grant lets the consumer read the table, so they see which of its columns holds the term
    assert page.locator("#linked").get_by_role("link").all_inner_texts() == [f"{COLUMNS}.churn_risk"]
    page.get_by_role("link", name="Customer").first.click()
    assert page.locator("#definition strong").inner_text() == "buys"  # Markdown, rendered
    assert page.locator("#children").get_by_role("link").all_inner_texts() == ["Churn risk", "Lifetime value"]
    assert watch.problems == [], watch.problems


def test_the_marketplace_term_facet_and_the_product_page_show_terms_and_profile(
    browser: playwright_api.Browser, server: Server
) -> None:
    watch = Watch()
    page = signed_in(browser, server, server.env["consumer_token"], watch)
    page.goto(f"{server.url}/marketplace?term=churn+risk")
    assert page.get_by_label("Glossary term").input_value() == "churn risk"
    page.get_by_role("link", name="Customer 360").first.click()
    assert page.locator("#terms-churn_risk").get_by_role("link").inner_text() == "Churn risk"
    assert "Revenue over time." in page.locator("#terms-lifetime_value").inner_text()
    profile = page.locator("#product-profile")
    assert page.locator("#profile + p").inner_text().startswith("60 rows")  # 20 then 40 appended
    assert "masked for you" in profile.locator("#product-profile-customer_name").inner_text()
    assert watch.problems == [], watch.problems


def test_the_owner_links_a_term_and_sees_a_columns_drift(browser: playwright_api.Browser, server: Server) -> None:
    watch = Watch()
    page = signed_in(browser, server, server.env["owner_token"], watch)
    page.goto(f"{server.url}/glossary/terms/Customer")
    page.get_by_label("Product (domain/product), table or column (domain.lakehouse.table.column)").fill("nowhere/x")
    page.get_by_role("button", name="Link").click()
    assert "not found" in page.get_by_role("alert").inner_text().lower()
    page.get_by_label("Product (domain/product), table or column (domain.lakehouse.table.column)").fill(
        f"{COLUMNS}.customer_id"
    )
    page.get_by_role("button", name="Link").click()
    assert f"Linked to {COLUMNS}.customer_id" in page.get_by_role("status").inner_text()
    page.locator("#linked").get_by_role("link", name=f"{COLUMNS}.customer_id").click()
    assert page.locator("#column-customer_id td.terms").inner_text() == "Customer"
    page.get_by_label("Column", exact=True).select_option("lifetime_value")
    page.get_by_role("button", name="Show drift").click()
    charts = page.locator("#drift-charts svg")
    assert charts.count() >= 3
    assert "Rows of lifetime_value: latest 60" in (charts.nth(1).get_attribute("aria-label") or "")
    assert watch.problems == [], watch.problems


def test_the_table_page_says_when_a_profile_is_incremental_and_profiles_in_full_on_request(
    browser: playwright_api.Browser, server: Server
) -> None:
    log = "/api/v1/domains/Sales/lakehouses/sales_lakehouse/tables/visits_log"
    arrow = {"Content-Type": "application/vnd.apache.arrow.stream"}
    with server.client() as http:
        assert http.post(log + "/data", content=_arrow(pa.table({"visit": list(range(100))})), headers=arrow).is_success
        assert http.post(log + "/profile").json()["method"] == "full"
        appended = http.post(log + "/data?mode=append", content=_arrow(pa.table({"visit": [100, 101]})), headers=arrow)
        assert appended.is_success, appended.text
        assert http.post(log + "/profile").json()["method"] == "incremental"
    watch = Watch()
    page = signed_in(browser, server, server.env["owner_token"], watch)
    page.goto(f"{server.url}/domains/Sales/lakehouses/sales_lakehouse/tables/visits_log")
    assert "2 rows appended since the last full profile" in page.locator("#profile-incremental").inner_text()
    page.get_by_label("scan the whole version").check()
    page.get_by_role("button", name="Profile now").click()
    assert "Profiled version" in page.get_by_role("status").inner_text()
    assert page.locator("#profile-incremental").count() == 0
    assert page.locator("#profile-visit").get_by_role("cell").first.inner_text().startswith("0")  # no nulls
    assert watch.problems == [], watch.problems
