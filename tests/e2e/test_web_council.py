"""Issue 23 in a real browser: a representative opens the proposal, sees its dry-run impact and votes; the
facilitator sees it pass and finds it in the decisions changelog."""

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
# A year of history everywhere: the demo's tables keep less, so the dry-run has something to show.
RETENTION = {
    "name": "retention-year",
    "description": "Keep a year of history",
    "scope": "GLOBAL",
    "rule": "tables must have retention_days >= 366",
    "enforcement": "block",
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with demo_server(tmp_path_factory, "council") as value:
        yield value


def test_a_representative_votes_on_the_impact_and_the_facilitator_sees_it_pass(browser: Any, served: Served) -> None:
    server, tokens = served
    with server.client() as http:
        seats = {"representatives": {"sales": [OWNER], "marketing": [CONSUMER]}}
        assert http.put("/api/v1/council", json=seats).is_success
        made = http.post("/api/v1/council/proposals", json={"title": "Adopt retention-year", "policy": RETENTION})
        assert made.status_code == 201, made.text
        proposal = made.json()
    assert proposal["impact"]["violating"] > 0
    with server.client(tokens[OWNER]) as http:
        assert http.post(f"/api/v1/council/proposals/{proposal['id']}/votes", json={"vote": "approve"}).is_success

    watch = Watch()
    page = signed_in(browser, server, tokens[CONSUMER], watch)
    page.get_by_role("link", name="Council").click()
    expect(page.locator("#you-represent")).to_contain_text("marketing")
    page.get_by_role("link", name="Adopt retention-year").click()
    expect(page.locator("#impact-summary")).to_contain_text(
        f"{proposal['impact']['violating']} subject(s) would violate"
    )
    expect(page.locator("#proposal-plan")).to_contain_text('+ policy "retention-year"')
    expect(page.locator("#tally")).to_contain_text("waiting for marketing")
    shot(page, "council-proposal")
    page.get_by_label("Comment").fill("Marketing agrees")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#vote-notice")).to_contain_text("the proposal is passed")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)  # one vote per domain

    facilitator = signed_in(browser, server, tokens["admin"], watch)
    facilitator.goto(f"{server.url}/council/proposals/{proposal['id']}")
    expect(facilitator.locator("#proposal-state")).to_have_text("passed")
    expect(facilitator.locator("#votes")).to_contain_text("Marketing agrees")
    expect(facilitator.locator("#applied")).to_contain_text("retention-year")
    facilitator.goto(f"{server.url}/governance/decisions?q=retention")
    expect(facilitator.locator("#decisions")).to_contain_text("Adopt retention-year")
    facilitator.goto(f"{server.url}/governance")
    expect(facilitator.locator("#retention-year, tr", has_text="retention-year").first).to_be_visible()
    assert watch.problems == [], watch.problems


def test_marketing_opens_a_case_in_the_browser_and_the_facilitator_decides_it_with_a_grant(
    browser: Any, served: Served
) -> None:
    server, tokens = served
    with server.client(tokens[CONSUMER]) as http:
        asked = http.post(
            "/api/v1/access-requests", json={"product": "sales/customer-360", "purpose": "Campaign targeting"}
        )
        assert asked.status_code == 201, asked.text
        request_id = asked.json()["id"]
    with server.client(tokens[OWNER]) as http:
        denied = http.post(f"/api/v1/access-requests/{request_id}/deny", json={"reason": "Stays in Sales"})
        assert denied.is_success, denied.text

    watch = Watch()
    page = signed_in(browser, server, tokens[CONSUMER], watch)
    page.goto(f"{server.url}/council")
    page.get_by_label("Title").fill("Marketing needs Customer 360")
    page.get_by_label("Description").fill("Campaigns cannot be targeted without it")
    page.get_by_role("button", name="Open case").click()  # no domain ticked: refused, typed text kept
    expect(page.locator("#case-error")).to_be_visible()
    expect(page.locator("#case-domains")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Title")).to_have_value("Marketing needs Customer 360")
    page.get_by_label("Sales", exact=True).check()
    page.get_by_label("Marketing", exact=True).check()
    page.get_by_label("Subjects", exact=False).fill(f"access_request: {request_id}\nproduct: sales/customer-360")
    page.get_by_role("button", name="Open case").click()
    expect(page.locator("#case-notice")).to_contain_text("Case opened")
    expect(page.locator("#case-state")).to_have_text("open")
    case_url = page.url.split("?")[0]

    facilitator = signed_in(browser, server, tokens["admin"], watch)
    facilitator.goto(case_url)
    facilitator.get_by_label("Decision").fill("Marketing may read it for campaigns")
    facilitator.get_by_label("Access request to grant").fill("ar_missing")
    facilitator.get_by_role("button", name="Decide case").click()
    expect(facilitator.locator("#decide-error")).to_be_visible()
    expect(facilitator.get_by_label("Access request to grant")).to_have_attribute("aria-invalid", "true")
    expect(facilitator.get_by_label("Decision")).to_have_value("Marketing may read it for campaigns")
    facilitator.get_by_label("Access request to grant").fill(request_id)
    facilitator.get_by_role("button", name="Decide case").click()
    expect(facilitator.locator("#case-notice")).to_contain_text("Case decided")
    expect(facilitator.locator("#case-decision")).to_contain_text("Marketing may read it for campaigns")
    expect(facilitator.locator("#case-actions")).to_contain_text(f"Access granted to {CONSUMER}")
    shot(facilitator, "council-case-decided")

    with server.client(tokens[OWNER]) as http:
        grants = http.get("/api/v1/grants", params={"product": "sales/customer-360"}).json()["items"]
    case_id = case_url.rsplit("/", 1)[-1]
    assert [(g["grantee"], g["created_by"]) for g in grants if g["grantee"] == CONSUMER] == [
        (CONSUMER, f"council:{case_id}")
    ]
    assert watch.problems == [], watch.problems
