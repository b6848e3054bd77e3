"""Single sign-on in a real browser through a real OpenID Connect provider process: "Sign in with Test IdP" lands
on the home page as that person (created on first sign-in), sign-out ends the session, and a forged callback is
refused. Token sign-in stays next to it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.browser_support import BROWSER_MARKS, WAIT_MS, shot
from tests.e2e.idp_support import ADA, PROVIDER, mock_idp, sso_server
from tests.integration.conftest import Server

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = BROWSER_MARKS
expect = playwright_api.expect


@pytest.fixture(scope="module")
def idp_and_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Server]]:
    logs = tmp_path_factory.mktemp("idp-logs")
    with mock_idp(logs, ADA) as issuer, sso_server(tmp_path_factory, issuer) as server:
        yield issuer, server


def fresh_page(browser: Any, server: Server, problems: list[str]) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    # The provider's own page styles itself from a CDN this machine cannot reach; only Lakemesh's pages count.
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" and server.url in page.url else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    return page


def sign_in_through_idp(page: Any, server: Server, subject: str) -> None:
    page.goto(f"{server.url}/domains")
    assert "/login" in page.url
    page.get_by_role("link", name=f"Sign in with {PROVIDER}").click()
    page.get_by_role("button", name=subject).click()  # the provider's page: authorize this person
    page.wait_for_url(f"{server.url}/domains")


def test_sign_in_with_the_idp_lands_as_that_person_and_sign_out_ends_it(
    browser: Any, idp_and_server: tuple[str, Server]
) -> None:
    _, server = idp_and_server
    problems: list[str] = []
    page = fresh_page(browser, server, problems)
    sign_in_through_idp(page, server, "00u-ada")
    expect(page.locator(".who")).to_have_text("ada@company.com")
    page.goto(f"{server.url}/")
    expect(page.get_by_role("heading", name="Mesh health")).to_be_visible()
    shot(page, "sso-home")

    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {server.token}"}) as admin:
        ada = admin.get("/api/v1/principals/ada@company.com").json()
    assert ada["display_name"] == "Ada Lovelace" and ada["kind"] == "user"

    cookies = page.context.cookies()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login?signed_out=1")
    copied = browser.new_context()
    copied.add_cookies(cookies)  # a copy of the signed-in cookie no longer works
    stale = copied.new_page()
    stale.goto(f"{server.url}/")
    assert "/login" in stale.url
    copied.close()
    assert not problems, problems


def test_the_second_sign_in_is_the_same_principal(browser: Any, idp_and_server: tuple[str, Server]) -> None:
    _, server = idp_and_server
    problems: list[str] = []
    first = fresh_page(browser, server, problems)
    sign_in_through_idp(first, server, "00u-ada")
    second = fresh_page(browser, server, problems)
    sign_in_through_idp(second, server, "00u-ada")
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {server.token}"}) as admin:
        names = [p["name"] for p in admin.get("/api/v1/principals").json()["items"]]
    assert names.count("ada@company.com") == 1 and not any(n.startswith("ada@company.com-") for n in names)


def test_token_sign_in_stays_next_to_the_button(browser: Any, idp_and_server: tuple[str, Server]) -> None:
    _, server = idp_and_server
    page = fresh_page(browser, server, [])
    page.goto(f"{server.url}/login")
    expect(page.get_by_role("link", name=f"Sign in with {PROVIDER}")).to_be_visible()
    page.get_by_label("API token").fill(server.token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server.url}/")
    expect(page.locator(".who")).to_contain_text("admin")


def test_a_callback_without_this_browser_attempt_is_refused(browser: Any, idp_and_server: tuple[str, Server]) -> None:
    _, server = idp_and_server
    page = fresh_page(browser, server, [])
    page.goto(f"{server.url}/login/oidc/callback?code=stolen&state=guessed")
    expect(page.get_by_role("heading", name="Sign-in failed")).to_be_visible()
    page.goto(f"{server.url}/")
    assert "/login" in page.url


def test_a_tampered_state_is_refused(browser: Any, idp_and_server: tuple[str, Server]) -> None:
    _, server = idp_and_server
    page = fresh_page(browser, server, [])
    page.goto(f"{server.url}/login")
    page.get_by_role("link", name=f"Sign in with {PROVIDER}").click()
    idp_page = page.url
    assert "code_challenge=" in idp_page and "code_challenge_method=S256" in idp_page and "nonce=" in idp_page
    # The attacker's own code, delivered with a state this browser never started with.
    page.goto(f"{server.url}/login/oidc/callback?code=attacker-code&state=not-the-one")
    expect(page.get_by_role("heading", name="Sign-in failed")).to_be_visible()
