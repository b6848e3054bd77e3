"""Issue 30.4 in a real browser: re-run a specific failed pipeline run from its row, with its own parameters (the
pipeline version it ran), and see the new run linked to the old one (and back)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pytest

from tests.e2e.browser_support import BROWSER_MARKS, OWNER, Watch, arrow_bytes, demo_server, shot, signed_in
from tests.integration.conftest import Server

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
pytestmark = BROWSER_MARKS
Served = tuple[Server, dict[str, str]]
PIPELINES = "/api/v1/domains/Sales/pipelines"
CODES = "/api/v1/domains/Sales/lakehouses/sales_lakehouse/tables/bronze_codes/data"
ARROW = {"Content-Type": "application/vnd.apache.arrow.stream"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with demo_server(tmp_path_factory, "rerun") as value:
        yield value


def failed_run(server: Server, pipeline: str) -> str:
    """A pipeline (version 1) whose run fails on bad source data, then changed to version 2; the run's id."""
    with server.client() as http:
        body = arrow_bytes(pa.table({"v": ["abc"]}))
        assert http.post(CODES, params={"mode": "overwrite"}, content=body, headers=ARROW).is_success
        step = {"name": "cast", "type": "sql", "target": {"table": "silver_codes", "mode": "overwrite"},
                "sql": "select cast(v as integer) as n from bronze_codes"}  # fmt: skip
        spec = {"lakehouse": "sales_lakehouse", "retry": {"max_attempts": 1}, "steps": [step]}
        assert http.put(f"{PIPELINES}/{pipeline}", json=spec).is_success
        run = http.post(f"{PIPELINES}/{pipeline}/runs", params={"wait": "true"}).json()
        assert run["state"] == "failed", run
        changed = {**spec, "steps": [{**step, "target": {"table": "silver_codes_v2", "mode": "overwrite"}}]}
        assert http.put(f"{PIPELINES}/{pipeline}", json=changed).json()["version"] == 2
        fixed = arrow_bytes(pa.table({"v": ["12"]}))  # the source is repaired; the failed run can now succeed
        assert http.post(CODES, params={"mode": "overwrite"}, content=fixed, headers=ARROW).is_success
    return str(run["id"])


def test_a_failed_run_is_rerun_from_its_row_with_its_version_and_linked(browser: Any, served: Served) -> None:
    server, tokens = served
    pipeline = "codes"
    old = failed_run(server, pipeline)
    watch = Watch()
    page = signed_in(browser, server, tokens[OWNER], watch)
    page.goto(f"{server.url}/domains/sales/pipelines/{pipeline}")
    row = page.locator(f"#run-{old}")
    expect(row).to_contain_text("failed")
    shot(page, "pipeline-failed-run")
    row.get_by_role("button", name=f"Re-run {old} (pipeline version 1)").click()
    page.wait_for_url(f"**/pipelines/{pipeline}/runs/*")
    new = page.url.rsplit("/", 1)[1]
    assert new != old
    expect(page.get_by_role("link", name=old)).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"Re-run of {old}")
    for _ in range(30):
        if "succeeded" in page.locator("#run-summary").inner_text():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(page.locator("#run-summary")).to_contain_text("succeeded")
    expect(page.locator("#run-summary")).to_contain_text("pipeline version 1")  # its own version, not the newer 2
    with server.client() as http:
        written = http.get("/api/v1/domains/Sales/lakehouses/sales_lakehouse/tables/silver_codes")
        assert written.is_success, written.text  # version 1's target, not version 2's

    page.get_by_role("link", name=old).click()
    expect(page.locator("main")).to_contain_text(f"Re-run as {new}")
    page.goto(f"{server.url}/domains/sales/pipelines/{pipeline}")
    expect(page.locator(f"#run-{old}")).to_contain_text(f"Re-run as {new}")
    expect(page.locator(f"#run-{new}")).to_contain_text(f"Re-run of {old}")
    expect(page.locator(f"#run-{new}").get_by_role("button", name=f"Re-run {new}", exact=False)).to_have_count(0)
    shot(page, "pipeline-rerun-linked")
    assert watch.problems == [], watch.problems


def test_a_viewer_sees_the_links_but_no_rerun_button(browser: Any, served: Served) -> None:
    server, _ = served
    pipeline = "codes_for_viewers"
    old = failed_run(server, pipeline)
    with server.client() as http:
        http.post("/api/v1/principals", json={"name": "sales-viewer@company.com"})
        http.post("/api/v1/domains/Sales/members", json={"principal": "sales-viewer@company.com", "role": "Viewer"})
        token = http.post("/api/v1/tokens", json={"principal": "sales-viewer@company.com"}).json()["secret"]
    page = signed_in(browser, server, token, Watch())
    page.goto(f"{server.url}/domains/sales/pipelines/{pipeline}")
    expect(page.locator(f"#run-{old}")).to_contain_text("failed")
    expect(page.get_by_role("button", name="Re-run", exact=False)).to_have_count(0)
    page.context.close()
