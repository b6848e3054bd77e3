"""Issue 24.3 in a real browser: a consumer reads a product's usage terms and accepts them in the access form; the
owner adds an obligation on approval, opens the usage agreement from the request and renews it; the consumer reads
the same agreement without a Renew button, and another consumer gets the not-found page."""

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
TERMS = ["No re-sharing outside your domain", "Delete extracts 30 days after the agreement ends"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with demo_server(tmp_path_factory, "agreements") as value:
        yield value


def analyst(server: Server, name: str) -> str:
    """A new Marketing Contributor (an outsider to Sales); returns their API token."""
    principal = f"{name}@company.com"
    with server.client() as http:
        assert http.post("/api/v1/principals", json={"name": principal}).status_code == 201
        http.post("/api/v1/domains/Marketing/members", json={"principal": principal, "role": "Contributor"})
        token: str = http.post("/api/v1/tokens", json={"principal": principal}).json()["secret"]
    return token


def test_terms_accepted_in_the_form_become_an_agreement_both_sides_read(browser: Any, served: Served) -> None:
    server, tokens = served
    with server.client(tokens[OWNER]) as http:
        assert http.patch(f"/api/v1{PRODUCT}", json={"usage_terms": TERMS}).is_success
    consumer_token = analyst(server, "campaigns")
    watch = Watch()
    consumer = signed_in(browser, server, consumer_token, watch)
    consumer.goto(f"{server.url}{PRODUCT}")
    terms = consumer.get_by_role("region", name="Usage terms")
    for term in TERMS:
        expect(terms).to_contain_text(term)
    form = consumer.locator("#request-access")
    form.get_by_label("Why do you need this data?").fill("Need for campaign targeting analysis")
    form.get_by_label("For how long").select_option("30d")
    form.get_by_role("button", name="Request access").click()  # the terms are not accepted yet: the form stays
    expect(consumer.get_by_role("status")).to_have_count(0)
    form.get_by_role("checkbox", name="I accept the usage terms above (2)").check()
    shot(consumer, "request-access-with-terms")
    form.get_by_role("button", name="Request access").click()
    expect(consumer.get_by_role("status")).to_contain_text("Access requested")

    owner = signed_in(browser, server, tokens[OWNER], Watch())
    owner.goto(f"{server.url}/access")
    card = owner.locator("#to-approve li", has_text="campaigns@company.com")
    expect(card).to_contain_text("accepted the usage terms: " + "; ".join(TERMS))
    card.get_by_label("Obligations for the consumer").fill("Report misuse within 24h")
    card.get_by_role("button", name="Approve").click()
    expect(owner.locator("#decision-live")).to_contain_text("approved")
    owner.locator("#to-approve, #decided").get_by_role("link", name="usage agreement").first.click()

    expect(owner.get_by_role("heading", name="Usage agreement")).to_be_visible()
    facts = owner.locator("#agreement-terms")
    expect(facts).to_contain_text("Need for campaign targeting analysis")
    expect(facts).to_contain_text("campaigns@company.com")
    expect(owner.locator("#obligations li")).to_have_text([*TERMS, "Report misuse within 24h"])
    expect(owner.locator("#agreement-state")).to_have_text("active")
    owner.get_by_label("Renew for").fill("30d")
    shot(owner, "agreement-renew")
    owner.get_by_role("button", name="Renew").click()
    expect(owner.get_by_role("status")).to_contain_text("Renewed: version 2")
    expect(owner.get_by_role("table", name="Every version of the terms").locator("tbody tr")).to_have_count(2)
    address = owner.url

    consumer.goto(address)
    expect(consumer.locator("#obligations li")).to_have_count(3)
    expect(consumer.get_by_role("button", name="Renew")).to_have_count(0)
    consumer.goto(f"{server.url}/access")
    expect(consumer.get_by_role("table", name="Agreements you are a party to")).to_contain_text("Customer 360")
    assert watch.problems == [], watch.problems

    stranger = signed_in(browser, server, analyst(server, "stranger"), Watch())
    answer = stranger.goto(address)
    assert answer is not None and answer.status == 404
    expect(stranger.get_by_text("Need for campaign targeting analysis")).to_have_count(0)
    stranger.goto(f"{server.url}/access")
    expect(stranger.get_by_role("table", name="Agreements you are a party to")).to_contain_text("No usage agreements")
