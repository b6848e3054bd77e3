"""In a real browser: API docs with the network blocked, the grantee's sharing profile button, step lineage."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from lakemesh.demo.data import customer_360
from tests.conftest import PG_BASE, create_pg_database, drop_pg_database
from tests.e2e.browser_support import BROWSER_MARKS, CONSUMER, OWNER, Watch, signed_in
from tests.integration.conftest import Server, start_server
from tests.unit.products.seed import CUSTOMER_360

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Sales publishes Customer 360 (fed by a two-step pipeline); Marketing's analyst holds an approved grant."""
    home = tmp_path_factory.mktemp("web-consumer") / "home"
    catalog_url = create_pg_database(PG_BASE, "lakemesh_webc", migrated=True) if PG_BASE else None
    process, started = start_server(home, catalog_url)
    with started.client() as http:
        for name in (OWNER, CONSUMER):
            assert http.post("/api/v1/principals", json={"name": name}).status_code == 201
        for domain in ("Sales", "Marketing"):
            assert http.post("/api/v1/domains", json={"name": domain}).status_code == 201
        http.post("/api/v1/domains/Sales/members", json={"principal": OWNER, "role": "Admin"})
        http.post("/api/v1/domains/Marketing/members", json={"principal": CONSUMER, "role": "Member"})
        http.post("/api/v1/domains/Sales/lakehouses", json={"name": "sales_lakehouse"})
        url = "/api/v1/domains/Sales/lakehouses/sales_lakehouse/tables/bronze_customers/data"
        data = _arrow(customer_360(20, now=datetime.now(UTC)))
        assert http.post(url, content=data, headers={"Content-Type": "application/vnd.apache.arrow.stream"}).is_success
        steps = [
            {"name": "clean", "type": "sql", "target": {"table": "silver_customers"},
             "sql": "select * from bronze_customers where customer_id is not null"},
            {"name": "publish", "type": "sql", "target": {"table": "gold_customer_360"},
             "sql": "select * from silver_customers"},
        ]  # fmt: skip
        pipeline = {"lakehouse": "sales_lakehouse", "steps": steps}
        assert http.put("/api/v1/domains/Sales/pipelines/customers", json=pipeline).is_success
        run = http.post("/api/v1/domains/Sales/pipelines/customers/runs", params={"wait": "true"}).json()
        assert run["state"] == "succeeded", run
        assert http.post("/api/v1/products", json=copy.deepcopy(CUSTOMER_360)).status_code == 201
        assert http.post("/api/v1/products/sales/customer-360/publish").is_success
        started.env["consumer_token"] = http.post("/api/v1/tokens", json={"principal": CONSUMER}).json()["secret"]
        started.env["owner_token"] = http.post("/api/v1/tokens", json={"principal": OWNER}).json()["secret"]
    with started.client(started.env["consumer_token"]) as http:
        asked = http.post("/api/v1/access-requests", json={"product": "sales/customer-360", "purpose": "Campaigns"})
    with started.client() as http:
        assert http.post(f"/api/v1/access-requests/{asked.json()['id']}/approve", json={}).is_success
    yield started
    process.terminate()
    process.wait(timeout=20)
    if PG_BASE and catalog_url:
        drop_pg_database(PG_BASE, catalog_url)


def _arrow(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def offline_page(browser: playwright_api.Browser, watch: Watch, blocked: list[str]) -> playwright_api.Page:
    """A page that can reach this machine only: every other host is refused, as on a locked-down network."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    watch.attach(page)

    def route(request: playwright_api.Route) -> None:
        host = request.request.url.split("/")[2].split(":")[0]
        if host in {"127.0.0.1", "localhost"}:
            request.continue_()
        else:
            blocked.append(f"{request.request.resource_type} {request.request.url}")
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
    playwright_api.expect(page.get_by_role("menuitem", name="domains")).to_be_visible(timeout=30_000)
    # ReDoc's bundle still links its decorative "powered by" logo from its CDN; everything it needs is local
    assert [b for b in blocked if not b.startswith("image ")] == [], f"/redoc reached outside hosts: {blocked}"


def test_a_grantee_downloads_their_sharing_profile_from_the_product_page(
    browser: playwright_api.Browser, server: Server
) -> None:
    delta_sharing = pytest.importorskip("delta_sharing")
    watch = Watch()
    page = signed_in(browser, server, server.env["consumer_token"], watch)
    page.goto(f"{server.url}/products/sales/customer-360")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download my Delta Sharing profile").click()
    profile = Path(download.value.path())
    assert json.loads(profile.read_text())["endpoint"] == f"{server.url}/delta-sharing"
    tables = delta_sharing.SharingClient(str(profile)).list_all_tables()
    assert [(t.share, t.schema, t.name) for t in tables] == [("grants", "sales", "customer_360")]
    frame = delta_sharing.load_as_pandas(f"{profile}#grants.sales.customer_360")
    assert len(frame) == 20
    assert watch.problems == [], watch.problems

    owner = signed_in(browser, server, server.env["owner_token"], watch)  # members read by role: no button
    owner.goto(f"{server.url}/products/sales/customer-360")
    playwright_api.expect(owner.get_by_role("heading", name="Customer 360", exact=True)).to_be_visible()
    assert owner.get_by_role("button", name="Download my Delta Sharing profile").count() == 0
    graph = owner.get_by_role("region", name="Lineage graph")  # bronze -> clean -> silver -> publish -> gold
    playwright_api.expect(graph.get_by_role("link", name="step customers / publish")).to_be_visible()
    playwright_api.expect(
        graph.get_by_role("link", name="table sales.sales_lakehouse.silver_customers")
    ).to_be_visible()
    assert watch.problems == [], watch.problems
