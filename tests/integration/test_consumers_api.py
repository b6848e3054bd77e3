"""Issue 24 over REST through a real server: a subscriber is told of the incident a failing quality run opens and
of its resolution; an owner announces; a non-owner may not; publishing without the intake form's fields is 422."""

from __future__ import annotations

import copy
import io
import uuid
from datetime import UTC, datetime

import pyarrow as pa

from lakemesh.demo.data import customer_360
from tests.integration.conftest import Server
from tests.unit.products.seed import CUSTOMER_360

ARROW = {"Content-Type": "application/vnd.apache.arrow.stream"}


def _arrow(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def _rows(*, broken: bool) -> bytes:
    rows = customer_360(100, now=datetime.now(UTC))
    if broken:
        lifetime = rows.column("lifetime_value").to_pylist()
        lifetime[:2] = [-lifetime[0], -lifetime[1]]
        rows = rows.set_column(3, rows.schema.field(3), pa.array(lifetime, rows.schema.field(3).type))
    return _arrow(rows)


def test_a_subscriber_hears_of_the_incident_and_its_resolution_and_only_owners_announce(server: Server) -> None:
    domain = f"Sales{uuid.uuid4().hex[:6]}"
    analyst = f"analyst-{uuid.uuid4().hex[:6]}@company.com"
    data = f"/api/v1/domains/{domain}/lakehouses/sales_lakehouse/tables/gold_customer_360/data"
    with server.client() as http:
        http.post("/api/v1/principals", json={"name": "sales-data-team@company.com"})
        assert http.post("/api/v1/principals", json={"name": analyst}).status_code == 201
        token = http.post("/api/v1/tokens", json={"principal": analyst}).json()["secret"]
        assert http.post("/api/v1/domains", json={"name": domain}).status_code == 201
        assert http.post(f"/api/v1/domains/{domain}/lakehouses", json={"name": "sales_lakehouse"}).status_code == 201
        assert http.post(data, content=_rows(broken=False), headers=ARROW).status_code == 200
        assert http.post("/api/v1/products", json={**copy.deepcopy(CUSTOMER_360), "domain": domain}).status_code == 201
        product = f"/api/v1/products/{domain.lower()}/customer-360"

        form = {"type": "object", "required": ["business_purpose", "retention"]}
        assert http.put(f"/api/v1/domains/{domain}/intake-form", json=form).status_code == 200
        refused = http.post(f"{product}/publish")
        assert refused.status_code == 422, refused.text
        assert {tuple(e["loc"]) for e in refused.json()["errors"]} == {("business_purpose",), ("retention",)}
        properties = {"business_purpose": "Churn and segment analysis", "retention": "365d"}
        assert http.patch(product, json={"properties": properties}).status_code == 200
        assert http.post(f"{product}/publish").status_code == 200

        with server.client(token) as consumer:
            assert consumer.post(f"{product}/subscriptions", json={}).status_code == 201
            denied = consumer.post(f"{product}/announcements", json={"title": "Free data"})
            assert denied.status_code == 403 and denied.headers["content-type"].startswith("application/problem+json")

            assert http.post(data, content=_rows(broken=True), headers=ARROW, params={"mode": "overwrite"}).is_success
            assert http.post(f"{product}/quality-runs", json={}).json()["status"] == "failed"
            http.post(f"{product}/quality-runs", json={})  # the same cause again: no second incident
            incidents = http.get(f"{product}/incidents").json()
            assert len([i for i in incidents if i["cause"] == "quality"]) == 1

            assert http.post(data, content=_rows(broken=False), headers=ARROW, params={"mode": "overwrite"}).is_success
            assert http.post(f"{product}/quality-runs", json={}).json()["status"] == "passed"
            assert http.get(f"{product}/incidents").json() == []
            assert http.post(f"{product}/announcements", json={"title": "Backfill on Saturday"}).status_code == 201

            notices = [n["title"] for n in reversed(consumer.get("/api/v1/me/notifications").json())]
            quality = [t for t in notices if "Quality run failed" in t]
            assert [t.split(":")[0] for t in quality] == ["Incident opened", "Incident resolved"]
            assert notices[-1] == "Announcement: Backfill on Saturday"
