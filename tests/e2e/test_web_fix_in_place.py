"""Issue 30 parts 2, 6 and 7 in a real browser: fix a violation where it is shown, compliance figures that say
what they cover and agree with the API, and a product page with current SLA values and per-rule results."""

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
TABLE = "/domains/sales/lakehouses/sales_lakehouse/tables/gold_customer_360"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with demo_server(tmp_path_factory, "fix") as value:
        yield value


def test_a_violation_links_to_its_table_where_the_owner_fixes_it(browser: Any, served: Served) -> None:
    """30.2: governance → the violating table → a bad retention is refused inline (nothing changes) → the
    description is saved and the violation resolves in place; labels are set per column."""
    server, tokens = served
    watch = Watch()
    page = signed_in(browser, server, tokens[OWNER], watch)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Governance").click()
    violations = page.get_by_role("table", name="Open violations")
    violations.get_by_role("link", name="sales/sales_lakehouse/gold_customer_360").click()
    page.wait_for_url(f"**{TABLE}")
    found = page.get_by_role("table", name="Open violations of this table")
    expect(found).to_contain_text("has no description")
    expect(found.get_by_role("link", name="described")).to_have_attribute("href", "/governance#policy-described")

    page.get_by_label("Retention (days of history kept)").fill("-1")
    page.get_by_role("button", name="Save table details").click()
    expect(page.get_by_role("alert")).to_contain_text("retention_days")
    expect(page.get_by_label("Retention (days of history kept)")).to_have_value("-1")
    shot(page, "table-form-error")
    page.goto(f"{server.url}{TABLE}")
    expect(page.locator("dl.pairs")).not_to_contain_text("-1 days")

    page.get_by_label("Table description").fill("One row per customer, refreshed daily")
    page.get_by_role("button", name="Save table details").click()
    expect(page.get_by_role("status")).to_contain_text("Table details saved")
    expect(page.get_by_text("No open policy violations on this table.")).to_be_visible()

    page.get_by_label("Sensitivity label of customer_name").select_option("Confidential")
    page.get_by_label("Description of customer_name").fill("Full name")
    page.get_by_role("button", name="Save columns").click()
    expect(page.get_by_role("status")).to_contain_text("1 column saved")
    expect(page.get_by_label("Sensitivity label of customer_name")).to_have_value("Confidential")
    shot(page, "table-fixed")
    assert watch.problems == [], watch.problems


def test_a_viewer_of_another_domain_gets_no_forms(browser: Any, served: Served) -> None:
    """30.2: the analyst (Marketing) sees no edit forms for Sales' table."""
    server, tokens = served
    page = signed_in(browser, server, tokens[CONSUMER], Watch())
    page.goto(f"{server.url}{TABLE}")
    expect(page.get_by_role("button", name="Save columns")).to_have_count(0)
    page.context.close()


def test_the_owner_profiles_the_table_and_a_reader_without_a_grant_sees_no_profile(
    browser: Any, served: Served
) -> None:
    """Issue 26.4-6: "Profile now" shows per-column statistics; Marketing without a grant sees nothing."""
    server, tokens = served
    watch = Watch()
    page = signed_in(browser, server, tokens[OWNER], watch)
    page.goto(f"{server.url}{TABLE}")
    page.get_by_role("button", name="Profile now").click()
    expect(page.get_by_role("status")).to_contain_text("Profiled version")
    profile = page.get_by_role("table", name="Column statistics of gold_customer_360")
    expect(profile.locator("#profile-customer_id")).to_contain_text("60")  # 60 distinct ids, no nulls
    expect(profile.get_by_role("img", name="Histogram of lifetime_value")).to_be_visible()
    shot(page, "table-profile")
    assert watch.problems == [], watch.problems
    other = signed_in(browser, server, tokens[CONSUMER], Watch())
    other.goto(f"{server.url}{TABLE}")
    expect(other.get_by_role("heading", name="Not found")).to_be_visible()  # as for the table itself
    expect(other.get_by_role("table", name="Column statistics of gold_customer_360")).to_have_count(0)
    other.context.close()


def shown(value: float) -> str:
    rounded = round(value, 1)
    return f"{int(rounded) if rounded.is_integer() else rounded}%"


@pytest.mark.parametrize("who", [OWNER, CONSUMER, "admin"])
def test_compliance_is_one_figure_with_its_scope_on_home_governance_and_the_api(
    browser: Any, served: Served, who: str
) -> None:
    """30.6: the home tile and the governance page show the same figure for the same viewer, each says which
    domains and policies it covers and when, and both equal the REST report and the REST metrics."""
    server, tokens = served
    token = server.token if who == "admin" else tokens[who]
    watch = Watch()
    page = signed_in(browser, server, token, watch)
    tile = page.locator(".tile", has=page.get_by_text("Governance compliance", exact=True))
    on_home = tile.locator(".tile-value").inner_text().strip()
    home_scope = " ".join(tile.locator(".scope").inner_text().split())
    tile.get_by_role("link", name="Details").click()
    page.wait_for_url("**/governance")
    overall = page.locator("#compliance-overall")
    on_governance = overall.locator("strong").inner_text().strip()
    governance_scope = " ".join(overall.locator(".scope").inner_text().split())
    with server.client(token=token) as api:
        report = api.get("/api/v1/governance/report").json()
        metrics = api.get("/api/v1/metrics").json()["current"]
    assert metrics["governance_compliance"] == report["compliance_pct"]
    assert on_home == on_governance == shown(report["compliance_pct"])
    domains = [entry["domain"] for entry in report["domains"]]
    assert metrics["governance_scope"]["domains"] == domains
    assert home_scope == governance_scope
    for name in [*domains, *(entry["policy"] for entry in report["policies"])]:
        assert name in home_scope, (name, home_scope)
    assert ("all " in home_scope) == (who == "admin")
    shot(page, f"governance-scope-{who.split('@', maxsplit=1)[0]}")
    assert watch.problems == [], watch.problems


def test_the_product_page_shows_current_sla_values_and_each_rules_latest_result(browser: Any, served: Served) -> None:
    """30.7: per objective the target, the current value and the status; per rule passed/failed with failing rows,
    the same figures as `GET .../sla` and `GET .../quality-runs` for the same viewer."""
    server, tokens = served
    with server.client() as admin:
        run = admin.post("/api/v1/products/sales/customer-360/quality-runs", json={})
        assert run.is_success, run.text
    watch = Watch()
    page = signed_in(browser, server, tokens[CONSUMER], watch)
    page.goto(f"{server.url}/products/sales/customer-360")
    with server.client(token=tokens[CONSUMER]) as api:
        sla = api.get("/api/v1/products/sales/customer-360/sla").json()
        latest = api.get("/api/v1/products/sales/customer-360/quality-runs", params={"limit": 1}).json()["items"][0]
    levels = page.get_by_role("table", name="Service levels")
    for objective in sla["objectives"]:
        row = levels.get_by_role("row", name=objective["name"].replace("_", " "))
        expect(row).to_contain_text(objective["target"])
        expect(row).to_contain_text(objective["status"].replace("_", " "))
        if objective["current"] is None:
            expect(row).to_contain_text("not measured yet")
        elif objective["name"] != "freshness":  # an age ticks between the two reads
            expect(row).to_contain_text(objective["current"])
    expect(levels).not_to_contain_text("None")
    rules = page.get_by_role("table", name="Quality rules and their latest result")
    expect(rules.locator("tbody tr")).to_have_count(len(latest["rules"]))
    for rule in latest["rules"]:
        row = rules.get_by_role("row", name=rule["name"], exact=False).first
        expect(row).to_contain_text("passed" if rule["passed"] else "failed")
        expect(row).to_contain_text(f"{rule['failed_rows']:,}")
    failing = sum(1 for rule in latest["rules"] if not rule["passed"])
    expect(page.locator("#quality-latest")).to_contain_text(f"{failing} of {len(latest['rules'])} rules failing")
    shot(page, "product-sla-and-rules")
    assert watch.problems == [], watch.problems
