"""In a real browser: API docs with the network blocked, the grantee's sharing profile button, step lineage."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.conftest import PG_BASE, create_pg_database, drop_pg_database
from tests.e2e.test_web_browser import CHROMIUM, Watch
from tests.integration.conftest import Server, start_server

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists() and not shutil.which("chromium"), reason="apt-get install chromium"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("web-consumer") / "home"
    catalog_url = create_pg_database(PG_BASE, "lakemesh_webc") if PG_BASE else None
    process, started = start_server(home, catalog_url)
    yield started
    process.terminate()
    process.wait(timeout=20)
    if PG_BASE and catalog_url:
        drop_pg_database(PG_BASE, catalog_url)


@pytest.fixture(scope="module")
def browser() -> Iterator[playwright_api.Browser]:
    executable = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    with playwright_api.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


def offline_page(browser: playwright_api.Browser, watch: Watch, blocked: list[str]) -> playwright_api.Page:
    """A page that can reach this machine only: every other host is refused, as on a locked-down network."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    watch.attach(page)

    def route(request: playwright_api.Route) -> None:
        host = request.request.url.split("/")[2].split(":")[0]
        if host in {"127.0.0.1", "localhost"}:
            request.continue_()
        else:
            blocked.append(request.request.url)
            request.abort()

    page.route("**/*", route)
    return page


def test_api_docs_render_with_the_network_blocked(browser: playwright_api.Browser, server: Server) -> None:
    watch, blocked = Watch(), []  # type: ignore[var-annotated]
    page = offline_page(browser, watch, blocked)
    page.goto(f"{server.url}/docs")
    playwright_api.expect(page.locator(".swagger-ui .info .title")).to_contain_text("Lakemesh")
    playwright_api.expect(page.locator(".opblock-tag").first).to_be_visible()  # the operations were rendered
    assert blocked == [], f"/docs reached outside hosts: {blocked}"
    assert watch.problems == [], watch.problems
    page.goto(f"{server.url}/redoc")
    playwright_api.expect(page.get_by_role("menuitem", name="domains")).to_be_visible()
    assert blocked == [], f"/redoc reached outside hosts: {blocked}"
