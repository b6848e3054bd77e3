"""What the browser tests share: the demo server they drive, signing in, screenshots and a watch for errors.

Playwright drives Debian's chromium at /usr/bin/chromium (no download). Screenshots land in
tests/e2e/screenshots/ (a CI artifact, not committed).
"""

from __future__ import annotations

import copy
import io
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from lakemesh.demo.data import customer_360
from tests.conftest import PG_BASE, create_pg_database, drop_pg_database
from tests.integration.conftest import Server, start_server
from tests.unit.products.seed import CUSTOMER_360

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parent / "screenshots"
OWNER, CONSUMER = "sales-data-team@company.com", "marketing-analyst@company.com"
WAIT_MS = 15_000  # a noisy shared machine: generous waits, never timing asserts
BROWSER_MARKS = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists() and not shutil.which("chromium"), reason="apt-get install chromium"),
]


def chromium_path() -> str | None:
    return str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")


def arrow_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


@contextmanager
def demo_server(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[tuple[Server, dict[str, str]]]:
    """A fresh server holding the seed's Sales domain with Customer 360 published, and Marketing's analyst."""
    home = tmp_path_factory.mktemp(name) / "home"
    catalog_url = create_pg_database(PG_BASE, "lakemesh_web", migrated=True) if PG_BASE else None
    process, server = start_server(home, catalog_url)
    tokens: dict[str, str] = {"admin": server.token}
    try:
        with server.client() as http:
            for principal in (OWNER, CONSUMER):
                assert http.post("/api/v1/principals", json={"name": principal}).status_code == 201
                tokens[principal] = http.post("/api/v1/tokens", json={"principal": principal}).json()["secret"]
            for domain in ("Sales", "Marketing"):
                assert http.post("/api/v1/domains", json={"name": domain}).status_code == 201
            http.post("/api/v1/domains/Sales/members", json={"principal": OWNER, "role": "Admin"})
            http.post("/api/v1/domains/Marketing/members", json={"principal": CONSUMER, "role": "Contributor"})
            http.post("/api/v1/domains/Sales/lakehouses", json={"name": "sales_lakehouse"})
            url = "/api/v1/domains/Sales/lakehouses/sales_lakehouse/tables/gold_customer_360/data"
            data = arrow_bytes(customer_360(60, now=datetime.now(UTC)))
            headers = {"Content-Type": "application/vnd.apache.arrow.stream"}
            assert http.post(url, content=data, headers=headers).is_success
            assert http.post("/api/v1/products", json=copy.deepcopy(CUSTOMER_360)).status_code == 201
            assert http.post("/api/v1/products/sales/customer-360/publish").is_success
            steps = [{"name": "segments", "type": "sql", "target": {"table": "silver_segments"},
                      "sql": "select segment, count(*) as customers from gold_customer_360 group by segment"}]  # fmt: skip
            pipeline = {"lakehouse": "sales_lakehouse", "steps": steps, "schedule": "0 6 * * *"}
            assert http.put("/api/v1/domains/Sales/pipelines/segments", json=pipeline).is_success
            run = http.post("/api/v1/domains/Sales/pipelines/segments/runs", params={"wait": "true"}).json()
            assert run["state"] == "succeeded", run
            tokens["run"] = run["id"]
            policy = {"name": "described", "description": "Tables say what they hold", "scope": "GLOBAL",
                      "rule": "tables must have description is set", "enforcement": "warn"}  # fmt: skip
            assert http.put("/api/v1/policies/described", json=policy).is_success
            assert http.post("/api/v1/governance/evaluate", json={}).is_success
        yield server, tokens
    finally:
        process.terminate()
        process.wait(timeout=20)
        if PG_BASE and catalog_url:
            drop_pg_database(PG_BASE, catalog_url)


class Watch:
    """Collects what must never happen on any page: console errors, uncaught errors and 5xx responses."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    @staticmethod
    def _counts(message: Any) -> bool:
        # Chromium logs every 4xx document as a console error; a 404 page or an inline form error is expected.
        return bool(message.type == "error" and "the server responded with a status of 4" not in message.text)

    def attach(self, page: Any) -> None:
        page.on("console", lambda m: self.problems.append(f"console: {m.text}") if self._counts(m) else None)
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("response", lambda r: self.problems.append(f"{r.status} {r.url}") if r.status >= 500 else None)


def signed_in(browser: Any, server: Server, token: str, watch: Watch, *, width: int = 1280) -> Any:
    """A new browser context (its own cookies) signed in with `token`, on the home page."""
    context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    watch.attach(page)
    page.goto(f"{server.url}/")
    assert "/login" in page.url
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server.url}/")
    return page


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
