"""Pipelines, lineage and self-serve over REST against a real `lakemesh serve` (and the SDK, and OpenLineage's client)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import httpx
import pytest

import lakemesh
import lakemesh.self_serve
from tests.integration.conftest import Server

ORDERS = b"order_id,customer_id,amount\n1,c1,10.5\n2,c2,20.0\n3,c1,7.25\n"
BASE = "/api/v1/domains/logistics/pipelines"
SPEC = {
    "name": "orders",
    "lakehouse": "logistics_lakehouse",
    "steps": [
        {"name": "ingest", "type": "ingest", "source": {"files": "in/*.csv"}, "target": {"table": "bronze_orders"}},
        {
            "name": "silver",
            "type": "sql",
            "sql": "select customer_id, sum(amount) as total from bronze_orders group by customer_id",
            "target": {"table": "silver_totals", "mode": "overwrite"},
        },
    ],
}


@pytest.fixture(scope="module")
def logistics(server: Server) -> httpx.Client:
    client = server.client()
    body = {"domain_name": "Logistics", "steward_email": "logistics-steward@company.com", "capacity_id": "cap-1"}
    first = client.post("/api/v1/self-serve/domain-lakehouse", json=body)
    assert first.status_code == 201, first.text
    assert first.json()["lakehouse"]["name"] == "logistics_lakehouse"
    again = client.post("/api/v1/self-serve/domain-lakehouse", json=body)
    assert again.status_code == 200 and not any(again.json()["created"].values())
    upload = client.put("/api/v1/domains/logistics/lakehouses/logistics_lakehouse/files/in/orders.csv", content=ORDERS)
    assert upload.status_code == 201, upload.text
    return client


def test_self_serve_through_the_sdk_is_idempotent(server: Server, logistics: httpx.Client) -> None:
    with lakemesh.connect(server.url, server.token) as remote:
        result = lakemesh.self_serve.create_domain_lakehouse("Logistics", "logistics-steward@company.com", mesh=remote)
    assert result.domain.display_name == "Logistics-Domain" and result.steward.role == "Member"
    assert result.created == {"domain": False, "steward": False, "lakehouse": False}


def test_put_run_and_read_a_pipeline_over_rest(logistics: httpx.Client) -> None:
    put = logistics.put(f"{BASE}/orders", json=SPEC)
    assert put.status_code == 200, put.text
    assert put.json()["behaviour"]["retry"]["max_attempts"] == 3
    run = logistics.post(f"{BASE}/orders/runs", params={"wait": "true"})
    assert run.status_code == 200, run.text
    body = run.json()
    assert body["state"] == "succeeded" and body["rows_written"] == 5
    assert [o["table"] for o in body["outputs"]] == [
        "logistics.logistics_lakehouse.bronze_orders",
        "logistics.logistics_lakehouse.silver_totals",
    ]
    logs = logistics.get(f"{BASE}/orders/runs/{body['id']}/logs")
    assert logs.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in logs.text.splitlines()]
    assert lines[-1]["message"] == "run succeeded"
    later = logistics.get(f"{BASE}/orders/runs/{body['id']}/logs", params={"after": lines[-2]["id"]})
    assert [json.loads(line)["id"] for line in later.text.splitlines()] == [lines[-1]["id"]]


def test_a_background_run_finishes_and_its_log_can_be_followed(logistics: httpx.Client) -> None:
    logistics.put(f"{BASE}/orders", json=SPEC)
    started = logistics.post(f"{BASE}/orders/runs")
    assert started.status_code == 202 and started.json()["state"] in ("queued", "running", "succeeded")
    run_id = started.json()["id"]
    followed = logistics.get(f"{BASE}/orders/runs/{run_id}/logs", params={"follow": "true"}, timeout=120)
    assert json.loads(followed.text.splitlines()[-1])["message"].startswith("run ")
    state = logistics.get(f"{BASE}/orders/runs/{run_id}").json()["state"]
    assert state == "succeeded"
    runs = logistics.get(f"{BASE}/orders/runs").json()["items"]
    assert runs[0]["id"] == run_id


def test_bad_specs_are_problem_json(logistics: httpx.Client) -> None:
    cyclic = json.loads(json.dumps(SPEC))
    cyclic["name"] = "cyclic"
    cyclic["steps"][0]["depends_on"] = ["silver"]
    response = logistics.put(f"{BASE}/cyclic", json=cyclic)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert any("cycle" in e["message"] for e in response.json()["errors"])
    remote = {**SPEC, "name": "remote"}
    remote["steps"] = [
        {"name": "get", "type": "ingest", "source": {"url": "file:///etc/passwd"}, "target": {"table": "b"}}
    ]
    assert logistics.put(f"{BASE}/remote", json=remote).status_code == 422
    assert logistics.put(f"{BASE}/other-name", json=SPEC).status_code == 422
    assert logistics.get(f"{BASE}/nothing").status_code == 404


def test_openlineage_python_client_posts_to_the_platform(server: Server, logistics: httpx.Client) -> None:
    from openlineage.client import OpenLineageClient
    from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
    from openlineage.client.transport.http import ApiKeyTokenProvider, HttpConfig, HttpTransport

    config = HttpConfig(url=server.url, endpoint="api/v1/lineage", auth=ApiKeyTokenProvider({"apiKey": server.token}))
    client = OpenLineageClient(transport=HttpTransport(config))
    client.emit(
        RunEvent(
            eventType=RunState.COMPLETE,
            eventTime=datetime.now(UTC).isoformat(),
            run=Run(runId=str(uuid.uuid4())),
            job=Job(namespace="logistics", name="airflow.load_carriers"),
            producer="https://example.com/airflow",
            inputs=[InputDataset(namespace="s3://carriers", name="raw/carriers.json")],
            outputs=[OutputDataset(namespace="lakemesh", name="logistics.logistics_lakehouse.bronze_orders")],
        )
    )
    graph = logistics.get(
        "/api/v1/lineage/graph",
        params={"node": "table:logistics.logistics_lakehouse.bronze_orders", "direction": "upstream", "depth": 2},
    )
    assert graph.status_code == 200, graph.text
    assert "dataset:s3://carriers/raw/carriers.json" in {n["id"] for n in graph.json()["nodes"]}
    assert "job:logistics/airflow.load_carriers" in {n["id"] for n in graph.json()["nodes"]}


def test_malformed_lineage_is_422_and_lineage_needs_auth(server: Server, logistics: httpx.Client) -> None:
    before = logistics.get("/api/v1/lineage/events", params={"limit": 500}).json()["items"]
    bad = logistics.post("/api/v1/lineage", json={"eventType": "START", "run": {"runId": "x"}})
    assert bad.status_code == 422 and bad.json()["errors"]
    assert (
        logistics.post(
            "/api/v1/lineage", content=b"{not json", headers={"Content-Type": "application/json"}
        ).status_code
        == 422
    )
    after = logistics.get("/api/v1/lineage/events", params={"limit": 500}).json()["items"]
    assert len(after) == len(before)
    assert httpx.post(f"{server.url}/api/v1/lineage", json={}).status_code == 401


def test_a_failed_run_is_rerun_over_rest_and_the_sdk(server: Server, logistics: httpx.Client) -> None:
    """30.4: POST .../runs/{id}/rerun queues the failed run again with its version; both runs name each other."""
    table = "/api/v1/domains/logistics/lakehouses/logistics_lakehouse/tables/bronze_codes/data"
    headers = {"Content-Type": "text/csv"}
    assert logistics.post(table, content=b"v\nabc\n", headers=headers).is_success
    spec = {"lakehouse": "logistics_lakehouse", "retry": {"max_attempts": 1},
            "steps": [{"name": "cast", "type": "sql", "target": {"table": "silver_codes", "mode": "overwrite"},
                       "sql": "select cast(v as integer) as n from bronze_codes"}]}  # fmt: skip
    assert logistics.put(f"{BASE}/codes", json=spec).is_success
    failed = logistics.post(f"{BASE}/codes/runs", params={"wait": "true"}).json()
    assert failed["state"] == "failed", failed
    missing = logistics.post(f"{BASE}/codes/runs/run_nope/rerun")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"

    assert logistics.post(table, params={"mode": "overwrite"}, content=b"v\n12\n", headers=headers).is_success
    started = logistics.post(f"{BASE}/codes/runs/{failed['id']}/rerun")
    assert started.status_code == 202, started.text
    assert started.json()["rerun_of"] == failed["id"]
    assert started.headers["location"].endswith(f"/codes/runs/{started.json()['id']}")
    followed = logistics.get(f"{BASE}/codes/runs/{started.json()['id']}/logs", params={"follow": "true"}, timeout=120)
    assert json.loads(followed.text.splitlines()[-1])["message"] == "run succeeded"
    assert logistics.get(f"{BASE}/codes/runs/{failed['id']}").json()["rerun_by"] == [started.json()["id"]]
    again = logistics.post(f"{BASE}/codes/runs/{started.json()['id']}/rerun")
    assert again.status_code == 409

    with lakemesh.connect(server.url, server.token) as remote:  # the SDK, with the same shape as Mesh
        assert remote.rerun_pipeline_run("Logistics", "codes", failed["id"]).rerun_of == failed["id"]
