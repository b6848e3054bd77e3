"""The query page for daily work, in a real browser: a pending badge with Cancel while a query runs (the engine
stops), the run's duration, choosing which result columns to show, and the user's own history to run again."""

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
TABLE = "sales.sales_lakehouse.gold_customer_360"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with demo_server(tmp_path_factory, "query-work") as value:
        yield value


def test_a_running_query_shows_a_pending_badge_and_cancel_stops_it(browser: Any, served: Served) -> None:
    server, tokens = served
    watch = Watch()
    page = signed_in(browser, server, tokens[OWNER], watch)
    page.goto(f"{server.url}/query")
    huge = "SELECT count(*) AS n FROM " + ", ".join(f"{TABLE} t{i}" for i in range(10))  # 60^10 rows to count
    editor = page.get_by_label("SQL", exact=False)
    editor.fill(huge)
    expect(page.locator("#query-pending")).to_be_hidden()
    page.get_by_role("button", name="Run").click()
    pending = page.locator("#query-pending")
    expect(pending).to_be_visible()
    expect(pending).to_contain_text("Running")
    shot(page, "query-running")
    pending.get_by_role("button", name="Cancel query").click()
    expect(page.get_by_role("alert")).to_contain_text("The query was cancelled")
    expect(page.locator("#query-pending")).to_be_hidden()
    expect(page.get_by_label("SQL", exact=False)).to_have_value(huge)
    with server.client(tokens[OWNER]) as http:  # the engine stopped: it never ran to the end, so no history entry
        assert all(item["sql"] != huge for item in http.get("/api/v1/query/history").json()["items"])
    assert watch.problems == [], watch.problems


def test_duration_columns_shown_and_history_to_run_again(browser: Any, served: Served) -> None:
    server, tokens = served
    watch = Watch()
    page = signed_in(browser, server, tokens[OWNER], watch)
    page.goto(f"{server.url}/query")
    sql = f"SELECT customer_id, segment FROM {TABLE} ORDER BY customer_id LIMIT 5"
    page.get_by_label("SQL", exact=False).fill(sql)
    page.get_by_role("button", name="Run").click()
    results = page.get_by_role("region", name="Query results")
    expect(results.locator("caption")).to_contain_text("5 rows · ran in")
    expect(results.locator("caption")).to_contain_text(" ms")

    page.get_by_text("Columns shown").click()
    page.get_by_role("checkbox", name="segment").uncheck()
    expect(results.get_by_role("columnheader", name="segment")).to_be_hidden()
    expect(results.get_by_role("columnheader", name="customer_id")).to_be_visible()
    page.get_by_role("checkbox", name="segment").check()
    expect(results.get_by_role("columnheader", name="segment")).to_be_visible()

    page.goto(f"{server.url}/query")  # history survives a reload
    history = page.get_by_role("region", name="Your recent queries")
    expect(history).to_contain_text(sql)
    expect(history.locator("li").first).to_contain_text("5 rows")
    shot(page, "query-history")
    history.get_by_role("button", name=f"Edit: {sql[:80]}").first.click()
    expect(page.get_by_label("SQL", exact=False)).to_have_value(sql)
    page.get_by_label("SQL", exact=False).fill("")
    history.get_by_role("button", name=f"Run again: {sql[:80]}").first.click()
    expect(page.get_by_role("region", name="Query results").locator("caption")).to_contain_text("5 rows")
    expect(page.get_by_label("SQL", exact=False)).to_have_value(sql)
    assert watch.problems == [], watch.problems
