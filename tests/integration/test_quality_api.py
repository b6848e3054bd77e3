"""Quality runs, SLA status, schedules and metrics over REST through a real server, and through the SDK."""

from __future__ import annotations

import copy
import io
import json
import uuid
from datetime import UTC, datetime

import httpx
import pyarrow as pa
import pytest

from lakemesh import connect
from lakemesh.demo.data import customer_360
from tests.integration.conftest import Server
from tests.unit.products.seed import CUSTOMER_360

ARROW = {"Content-Type": "application/vnd.apache.arrow.stream"}


def _arrow(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


@pytest.fixture(scope="module")
def product(server: Server) -> str:
    """A fresh domain holding the seed's Customer 360 over 100 rows; returns the product's path."""
    domain = f"Sales{uuid.uuid4().hex[:6]}"
    with server.client() as http:
        http.post("/api/v1/principals", json={"name": "sales-data-team@company.com"})
        assert http.post("/api/v1/domains", json={"name": domain}).status_code == 201
        assert http.post(f"/api/v1/domains/{domain}/lakehouses", json={"name": "sales_lakehouse"}).status_code == 201
        rows = customer_360(100, now=datetime.now(UTC))
        lifetime = rows.column("lifetime_value").to_pylist()
        lifetime[:2] = [-lifetime[0], -lifetime[1]]  # two violations of `lifetime_value >= 0`
        rows = rows.set_column(3, rows.schema.field(3), pa.array(lifetime, rows.schema.field(3).type))
        url = f"/api/v1/domains/{domain}/lakehouses/sales_lakehouse/tables/gold_customer_360/data"
        assert http.post(url, content=_arrow(rows), headers=ARROW).status_code == 200
        response = http.post("/api/v1/products", json={**copy.deepcopy(CUSTOMER_360), "domain": domain})
        assert response.status_code == 201, response.text
    return f"/api/v1/products/{domain.lower()}/customer-360"


def test_run_now_then_history_and_sla(server: Server, product: str) -> None:
    with server.client() as http:
        response = http.post(f"{product}/quality-runs", json={"sample_limit": 1})
        assert response.status_code == 201, response.text
        run = response.json()
        assert response.headers["Location"].endswith(f"/quality-runs/{run['id']}")
        assert (run["status"], run["score"], run["total_rows"]) == ("failed", 75.0, 100)
        failing = {r["name"]: r for r in run["rules"]}["lifetime_value >= 0"]
        assert (failing["failed_rows"], failing["passed"], len(failing["samples"])) == (2, False, 1)

        history = http.get(f"{product}/quality-runs").json()
        assert [r["id"] for r in history["items"]] == [run["id"]]
        assert all(r["samples"] is None for r in history["items"][0]["rules"])
        assert http.get(f"{product}/quality-runs/{run['id']}").json()["id"] == run["id"]
        assert http.get(f"{product}/quality-runs/qr_nope").status_code == 404

        sla = http.get(f"{product}/sla").json()
        by_name = {o["name"]: o for o in sla["objectives"]}
        assert by_name["quality_score"]["status"] == "breached" and by_name["quality_score"]["current"] == "75%"
        assert by_name["freshness"]["status"] == "met" and by_name["freshness"]["target"] == "24h"
        assert sla["status"] == "breached"

        metrics = http.get("/api/v1/quality/metrics", params={"format": "json"})
        assert metrics.status_code == 200
        assert sum(1 for line in metrics.text.splitlines() if run["id"] in line) == 4


def test_bad_requests(server: Server, product: str) -> None:
    with server.client() as http:
        assert http.post(f"{product}/quality-runs", json={"sample_limit": -1}).status_code == 422
        assert http.post(f"{product}/quality-runs", json={"mode": "sometimes"}).status_code == 422
        unknown = http.post(f"{product}/quality-runs", json={"colour": "blue"})
        assert unknown.status_code == 422 and unknown.headers["content-type"] == "application/problem+json"
        assert http.put(f"{product}/quality-schedule", json={"cron": "whenever"}).status_code == 422
        assert http.get(f"{product}/quality-schedule").status_code == 404
        assert http.post("/api/v1/products/nope/nothing/quality-runs", json={}).status_code == 404
        for rule in ("ghost > 1", "1=1; drop table x", "customer_id in (select 1)", "read_csv('x') is null"):
            response = http.patch(product, json={"quality_rules": [rule]})
            assert response.status_code == 422, rule
    with httpx.Client(base_url=server.url, timeout=30) as anonymous:
        assert anonymous.get(f"{product}/sla").status_code == 401
        assert anonymous.post(f"{product}/quality-runs", json={}).status_code == 401


def test_schedules_over_rest(server: Server, product: str) -> None:
    with server.client() as http:
        response = http.put(f"{product}/quality-schedule", json={"cron": "0 6 * * *"})
        assert response.status_code == 200, response.text
        assert response.json()["cron"] == "0 6 * * *"
        assert http.get(f"{product}/quality-schedule").json()["enabled"] is True
        assert http.delete(f"{product}/quality-schedule").status_code == 204


def test_outsiders_get_404_for_a_draft(server: Server, product: str) -> None:
    name = f"otto{uuid.uuid4().hex[:6]}@company.com"
    with server.client() as http:
        http.post("/api/v1/principals", json={"name": name})
        token = http.post("/api/v1/tokens", json={"principal": name}).json()["secret"]
    with server.client(token) as outsider:
        assert outsider.get(f"{product}/quality-runs").status_code == 404
        assert outsider.get(f"{product}/sla").status_code == 404
        assert outsider.post(f"{product}/quality-runs", json={}).status_code == 404
        metrics = outsider.get("/api/v1/quality/metrics", params={"format": "json"})
        # The server is shared by the session: other tests' published products may be listed, never this draft.
        draft = "/".join(product.split("/")[-2:])
        assert metrics.status_code == 200
        with server.client() as http:  # the draft has metrics: the admin sees them
            mine = http.get("/api/v1/quality/metrics", params={"format": "json"}).text.splitlines()
            assert any(json.loads(line)["product"] == draft for line in mine if line.strip())
        assert all(json.loads(line)["product"] != draft for line in metrics.text.splitlines() if line.strip())


def test_the_sdk_has_the_same_methods(server: Server, product: str) -> None:
    domain = product.split("/")[4]
    with connect(server.url, server.token) as mesh:
        run = mesh.run_quality(domain, "customer-360", mode="full")
        assert run.status == "failed" and run.mode == "full"
        assert mesh.quality_runs(domain, "customer-360", limit=1)[0].id == run.id
        assert mesh.get_sla(domain, "customer-360").product == f"{domain}/customer-360"
        schedule = mesh.set_quality_schedule(domain, "customer-360", "30 5 * * 1")
        assert schedule.cron == "30 5 * * 1"
        assert mesh.get_quality_schedule(domain, "customer-360").cron == "30 5 * * 1"
        mesh.delete_quality_schedule(domain, "customer-360")
        table = mesh.quality_metrics(domain=domain, product="customer-360")
        assert run.id in table.column("run_id").to_pylist()
