"""Marketplace cards and product pages agree (30.5): one source per badge, checked for every demo product and
for an owner, an outsider and the platform admin."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from lakemesh.api.app import create_app
from lakemesh.auth.models import TokenCreate
from lakemesh.platform import Platform
from tests.unit.metrics.test_web_pages import csrf_of

BADGES = re.compile(r'<p class="badges">(.*?)</p>', re.S)
CARD = re.compile(r'<h2><a href="/products/([^"]+)">.*?<p class="badges">(.*?)</p>', re.S)


def _browser(platform: Platform, name: str | None) -> TestClient:
    admin = platform.principals.bootstrap_admin()
    secret = platform.principals.create_token(admin, TokenCreate(name="web", principal=name)).secret
    client = TestClient(create_app(platform), follow_redirects=False)
    client.post("/login", data={"token": secret, "csrf_token": csrf_of(client.get("/login").text), "next": "/"})
    return client


def _flat(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize("who", [None, "sales-data-team@company.com", "marketing-analyst@company.com"])
def test_every_card_shows_what_its_product_page_shows(demo: Platform, who: str | None) -> None:
    client = _browser(demo, who)
    listing = client.get("/marketplace").text
    cards = CARD.findall(listing)
    assert len(cards) >= 2, "the demo publishes several products"
    for name, card_badges in cards:
        product = client.get(f"/products/{name}").text
        found = BADGES.search(product)
        assert found, name
        # The page measures the SLA first, so read the card again after it for the same moment in time.
        again = dict(CARD.findall(client.get("/marketplace").text))[name]
        assert _flat(found.group(1)) == _flat(again), name
        assert " v" not in _flat(card_badges) or re.search(r"\bv\d", _flat(card_badges)), "no bare 'v'"
        assert "quality" in _flat(card_badges)
