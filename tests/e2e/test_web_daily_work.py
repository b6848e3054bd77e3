"""Issue 30 in a real browser: the web UI for daily work. Each test is one item of the issue and asserts what a
user notices; screenshots of every main page at 390 and 1280 px land in tests/e2e/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.browser_support import BROWSER_MARKS, CONSUMER, OWNER, Watch, demo_server, shot, signed_in
from tests.integration.conftest import Server

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
pytestmark = BROWSER_MARKS
Served = tuple[Server, dict[str, str]]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with demo_server(tmp_path_factory, "daily") as value:
        yield value


def test_sign_out_says_so_and_a_copied_cookie_stops_working(browser: Any, served: Served) -> None:
    """30.13 / 25.10: the cookie copied before sign-out is refused afterwards."""
    server, tokens = served
    watch = Watch()
    page = signed_in(browser, server, tokens[CONSUMER], watch)
    cookies = page.context.cookies()
    thief = browser.new_context()
    thief.add_cookies(cookies)
    stolen = thief.new_page()
    stolen.goto(f"{server.url}/marketplace")
    assert stolen.url.endswith("/marketplace")  # the copy works while the session lives
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("You are signed out")
    shot(page, "signed-out")
    stolen.goto(f"{server.url}/marketplace")
    assert "/login" in stolen.url
    thief.close()
    assert watch.problems == [], watch.problems


@pytest.mark.parametrize("who", ["signed-out", OWNER])
def test_an_unknown_url_shows_the_styled_404_page(browser: Any, served: Served, who: str) -> None:
    """30.10: HTML requests get the styled page (signed in and out); API paths keep problem JSON."""
    server, tokens = served
    page = browser.new_page() if who == "signed-out" else signed_in(browser, server, tokens[who], Watch())
    response = page.goto(f"{server.url}/no/such/page")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_role("link", name="Skip to content")).to_be_attached()
    api = page.goto(f"{server.url}/api/v1/no-such-thing")
    assert api is not None and api.headers["content-type"] == "application/problem+json"
    page.context.close()


def test_query_errors_stay_inline_and_ctrl_enter_runs(browser: Any, served: Served) -> None:
    """30.1: a typo shows the error above the editor with the SQL kept; names insert on click; Ctrl+Enter runs."""
    server, tokens = served
    watch = Watch()
    page = signed_in(browser, server, tokens[OWNER], watch)
    page.get_by_role("link", name="Query").click()
    editor = page.get_by_label("SQL", exact=False)
    editor.fill("SELECT * FROM sales.sales_lakehouse.gold_custmer_360")
    page.get_by_role("button", name="Run").click()
    expect(page.get_by_role("alert")).to_contain_text("gold_custmer_360 not found")
    expect(editor).to_have_value("SELECT * FROM sales.sales_lakehouse.gold_custmer_360")
    shot(page, "query-error")

    editor.fill("SELEC * FRM x where")
    editor.press("Control+Enter")
    expect(page.get_by_role("alert")).to_contain_text("Line 1, Col: 19")

    editor.fill("SELECT count(*) AS customers FROM ")
    editor.press("End")
    page.get_by_role("button", name="product.sales.customer_360").click()
    expect(editor).to_have_value("SELECT count(*) AS customers FROM product.sales.customer_360")
    editor.press("Control+Enter")
    expect(page.get_by_role("region", name="Query results")).to_contain_text("customers")
    expect(page.get_by_role("alert")).to_have_count(0)
    assert watch.problems == [], watch.problems


def test_cards_and_product_pages_show_the_same_badges(browser: Any, served: Served) -> None:
    """30.5: every card's badges (status, version, classification, quality, SLA) equal its product page's."""
    server, tokens = served
    page = signed_in(browser, server, tokens[CONSUMER], Watch())
    page.goto(f"{server.url}/marketplace")
    names = page.locator(".card h2 a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert names
    for href in names:
        page.goto(f"{server.url}{href}")
        on_page = " ".join(page.locator("p.badges").first.inner_text().split())
        page.goto(f"{server.url}/marketplace")
        card = page.locator(".card", has=page.locator(f'h2 a[href="{href}"]'))
        assert " ".join(card.locator("p.badges").inner_text().split()) == on_page, href
        assert "quality" in on_page and " v " not in f" {on_page} "
    page.context.close()


MAIN_PAGES = {
    "home": "/",
    "marketplace": "/marketplace",
    "product": "/products/sales/customer-360",
    "domains": "/domains",
    "domain": "/domains/sales",
    "table": "/domains/sales/lakehouses/sales_lakehouse/tables/gold_customer_360",
    "pipeline": "/domains/sales/pipelines/segments",
    "governance": "/governance",
    "access": "/access",
    "query": "/query",
}


@pytest.mark.parametrize("width", [390, 768, 1280])
def test_no_main_page_is_wider_than_the_viewport(browser: Any, served: Served, width: int) -> None:
    """30.9: every main page fits its viewport (tables scroll inside their own box); the menu reaches every page.
    Screenshots of every main page at 390 and 1280 px."""
    server, tokens = served
    watch = Watch()
    page = signed_in(browser, server, tokens[OWNER], watch, width=width)
    for name, path in {**MAIN_PAGES, "pipeline-run": f"/domains/sales/pipelines/segments/runs/{tokens['run']}"}.items():
        response = page.goto(f"{server.url}{path}")
        assert response is not None and response.status == 200, path
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{path} is {wide} px wide at {width} px"
        for label in ("Access", "Query"):
            expect(page.get_by_role("navigation", name="Main").get_by_role("link", name=label)).to_be_visible()
        if width in (390, 1280):
            shot(page, f"{name}-{width}")
    assert watch.problems == [], watch.problems


def test_formatting_speaks_the_users_words(browser: Any, served: Served) -> None:
    """30.12: contract types, plain cron, '1 attempt', full lineage names, no microseconds, a live region."""
    server, tokens = served
    watch = Watch()
    page = signed_in(browser, server, tokens[OWNER], watch)
    page.goto(f"{server.url}/domains/sales/lakehouses/sales_lakehouse/tables/gold_customer_360")
    schema = page.get_by_role("table", name="Columns of gold_customer_360")
    expect(schema).not_to_contain_text("[")  # no date32[day] / timestamp[us, tz=UTC]
    page.goto(f"{server.url}/domains/sales/pipelines/segments")
    expect(page.get_by_text("daily at 06:00 UTC")).to_be_visible()
    page.goto(f"{server.url}/domains/sales/pipelines/segments/runs/{tokens['run']}")
    expect(page.locator("main")).to_contain_text("1 attempt ·")
    page.goto(f"{server.url}/products/sales/customer-360")
    graph = page.get_by_role("region", name="Lineage graph")
    expect(graph.locator("text", has_text="sales.sales_lakehouse.gold_customer_360")).to_have_count(1)
    assert "…" not in graph.inner_html()
    page.goto(f"{server.url}/access")
    expect(page.locator("#decision-live")).to_have_attribute("role", "status")
    assert watch.problems == [], watch.problems


def test_facets_apply_on_change_count_the_result_and_clear(browser: Any, served: Served) -> None:
    """30.8: choosing a facet applies it at once (no Search press), counts describe the current result, the URL
    keeps the state, and "Clear filters" resets."""
    server, tokens = served
    watch = Watch()
    page = signed_in(browser, server, tokens[CONSUMER], watch)
    page.goto(f"{server.url}/marketplace")
    page.get_by_label("Status").select_option("published")
    page.wait_for_url("**/marketplace?*status=published*")
    expect(page.get_by_role("link", name="Customer 360")).to_be_visible()
    shown = page.locator(".card").count()
    for option in page.get_by_label("Domain").locator("option").all_inner_texts():
        if "(" in option:
            assert int(option.rsplit("(", 1)[1].rstrip(")")) <= shown, option
    page.reload()
    expect(page.get_by_label("Status")).to_have_value("published")
    page.get_by_role("link", name="Clear filters").click()
    page.wait_for_url(f"{server.url}/marketplace")
    expect(page.get_by_label("Status")).to_have_value("")
    assert watch.problems == [], watch.problems


def test_charts_have_sensible_sizes_and_a_single_point_state(browser: Any, served: Served) -> None:
    """30.11: charts are drawn at a readable size (not ~3.4x), and one data point says so instead of a lone dot."""
    server, tokens = served
    page = signed_in(browser, server, tokens[OWNER], Watch())
    charts = page.locator("svg.chart")
    expect(charts.first).to_be_visible()
    for box in charts.evaluate_all("charts => charts.map(c => c.getBoundingClientRect().width)"):
        assert box <= 480, box
    expect(page.locator("svg.chart[aria-label*='one day so far']").first).to_be_attached()
    page.context.close()


def test_owner_domain_page_products_viewer_default_confirmed_removal(browser: Any, served: Served) -> None:
    """30.4 (part): products listed, role defaults to Viewer, Remove asks first, an unknown person stays inline."""
    server, tokens = served
    page = signed_in(browser, server, tokens[OWNER], Watch())
    page.goto(f"{server.url}/domains/sales")
    expect(page.get_by_role("link", name="Customer 360")).to_be_visible()
    expect(page.get_by_label("Role")).to_have_value("Viewer")
    page.get_by_label("Principal").fill("nobody@company.com")
    page.get_by_role("button", name="Add member").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("Principal")).to_have_value("nobody@company.com")
    page.once("dialog", lambda dialog: dialog.dismiss())  # "Cancel": nobody is removed
    page.get_by_role("button", name=f"Remove {OWNER}").click()
    page.goto(f"{server.url}/domains/sales")
    expect(page.get_by_role("button", name=f"Remove {OWNER}")).to_be_visible()
    page.context.close()


def test_run_now_starts_a_run_and_shows_it(browser: Any, served: Served) -> None:
    """30.4 (part): a pipeline page has "Run now"; it lands on the new run, which finishes."""
    server, tokens = served
    page = signed_in(browser, server, tokens[OWNER], Watch())
    page.goto(f"{server.url}/domains/sales/pipelines/segments")
    page.get_by_role("button", name="Run now").click()
    page.wait_for_url("**/pipelines/segments/runs/*")
    assert not page.url.endswith(tokens["run"])
    for _ in range(30):
        if "succeeded" in page.locator("main").inner_text():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(page.locator("main")).to_contain_text("succeeded")
    page.context.close()
