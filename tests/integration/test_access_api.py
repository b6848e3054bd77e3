"""Discovery and access over REST through a real server: search, request, approve, query (json/arrow/csv), revoke."""

from __future__ import annotations

import threading
import uuid

import pyarrow as pa
import pytest

from lakemesh import connect
from tests.integration.conftest import Server
from tests.integration.published_world import published_customer_360


@pytest.fixture(scope="module")
def mesh(server: Server) -> dict[str, str]:
    """A fresh owning domain with a published Customer 360, an analyst in another domain, and their tokens."""
    world = published_customer_360(server)
    return {
        "domain": world.owning.lower(),
        "consumer": world.consuming.lower(),
        "owner": world.tokens[world.owner]["secret"],
        "analyst": world.tokens[world.analyst]["secret"],
    }


def test_search_finds_the_product_with_facets(server: Server, mesh: dict[str, str]) -> None:
    with server.client(mesh["analyst"]) as http:
        response = http.get("/api/v1/search", params=[("q", "customer"), ("domain", mesh["domain"]), ("limit", 25)])
        assert response.status_code == 200
        body = response.json()
        assert body["items"][0]["qualified_name"] == f"{mesh['domain']}/customer-360"
        assert set(body["facets"]) >= {"domain", "tag", "owner", "classification", "status"}
        assert all(item["kind"] == "product" for item in body["items"])
        assert http.get("/api/v1/search", params={"kind": "galaxy"}).status_code == 422
    assert server.client(token="nope").get("/api/v1/search").status_code == 401


def test_request_approve_query_revoke(server: Server, mesh: dict[str, str]) -> None:
    product = f"{mesh['domain']}/customer-360"
    table = f"{mesh['domain']}.sales_lakehouse.gold_customer_360"
    with server.client(mesh["analyst"]) as analyst, server.client(mesh["owner"]) as owner:
        assert analyst.post("/api/v1/query", json={"sql": f"SELECT * FROM {table}"}).status_code == 404
        created = analyst.post("/api/v1/access-requests", json={"product": product, "purpose": "targeting"})
        assert created.status_code == 201, created.text
        request_id = created.json()["id"]
        assert owner.get("/api/v1/access-requests", params={"role": "approver"}).json()["items"][0]["id"] == request_id
        denied_self = analyst.post(f"/api/v1/access-requests/{request_id}/approve", json={})
        assert denied_self.status_code == 403
        approved = owner.post(f"/api/v1/access-requests/{request_id}/approve", json={"duration": "7d"})
        assert approved.status_code == 200 and approved.json()["state"] == "approved"

        result = analyst.post("/api/v1/query", json={"sql": f"SELECT customer_id, email FROM {table} ORDER BY 1"})
        assert result.status_code == 200, result.text
        body = result.json()
        assert body["rows"][0] == ["c1", "a***@x.com"] and body["masked_columns"][table] == ["email"]
        arrow = analyst.post("/api/v1/query", json={"sql": f"SELECT count(*) AS n FROM {table}", "format": "arrow"})
        assert pa.ipc.open_stream(arrow.content).read_all().column("n").to_pylist() == [6]
        csv = analyst.post("/api/v1/query", json={"sql": f"SELECT segment FROM {table} LIMIT 1", "format": "csv"})
        assert csv.headers["content-type"].startswith("text/csv") and "segment" in csv.text
        limited = analyst.post("/api/v1/query", json={"sql": f"SELECT * FROM {table}", "limit": 2}).json()
        assert limited["row_count"] == 2 and limited["truncated"] is True

        sdk = connect(server.url, mesh["analyst"])
        assert sdk.sql(f"SELECT count(*) AS n FROM product.{mesh['domain']}.customer_360").column("n").to_pylist() == [
            6
        ]
        assert sdk.search(query="customer", domain=[mesh["domain"]], limit=25).items[0].name == "Customer 360"
        grants = analyst.get("/api/v1/grants").json()["items"]
        assert len(grants) == 1 and grants[0]["state"] == "active"
        assert owner.delete(f"/api/v1/grants/{grants[0]['id']}", params={"reason": "done"}).status_code == 200
        assert analyst.post("/api/v1/query", json={"sql": f"SELECT * FROM {table}"}).status_code == 404
        history = analyst.get(f"/api/v1/access-requests/{request_id}").json()["history"]
        assert [h["action"] for h in history] == ["requested", "approved"]


@pytest.mark.parametrize(
    "body",
    [
        {"sql": "SELECT * FROM read_parquet('/etc/passwd')"},
        {"sql": "ATTACH '/tmp/x.db' AS x"},
        {"sql": "SELECT 1; SELECT 2"},
        {"sql": "SELECT 1", "format": "xml"},
        {"sql": "SELECT 1", "limit": -1},
        {"sql": ""},
        {"query": "SELECT 1"},
    ],
)
def test_bad_queries_are_problems(server: Server, mesh: dict[str, str], body: dict[str, object]) -> None:
    with server.client(mesh["analyst"]) as http:
        response = http.post("/api/v1/query", json=body)
        assert response.status_code in (403, 404, 422)
        assert response.headers["content-type"] == "application/problem+json"


def test_bad_access_requests_are_problems(server: Server, mesh: dict[str, str]) -> None:
    product = f"{mesh['domain']}/customer-360"
    with server.client(mesh["analyst"]) as http:
        assert http.post("/api/v1/access-requests", json={"product": product}).status_code == 422
        assert (
            http.post(
                "/api/v1/access-requests", json={"product": product, "purpose": "x", "duration": "1y"}
            ).status_code
            == 422
        )
        missing = http.post("/api/v1/access-requests", json={"product": "nowhere/nothing", "purpose": "x"})
        assert missing.status_code == 404
        assert http.post("/api/v1/access-requests/ar_nope/approve", json={}).status_code == 404
        assert http.delete("/api/v1/grants/gr_nope").status_code == 404
        assert http.put("/api/v1/masking", json={"labels": {"Confidential": "null"}}).status_code == 403


def test_a_running_query_is_cancelled_over_rest_and_history_lists_what_ran(
    server: Server, mesh: dict[str, str]
) -> None:
    """POST /query with an `id`; POST /query/{id}/cancel stops it (its request answers 409); GET /query/history."""
    table = f"{mesh['domain']}.sales_lakehouse.gold_customer_360"
    huge = "SELECT count(*) AS n FROM " + ", ".join(f"{table} t{i}" for i in range(14))
    answers: list[int] = []
    query_id = f"rest-{uuid.uuid4().hex[:8]}"

    def run() -> None:
        with server.client(mesh["owner"]) as http:
            answers.append(http.post("/api/v1/query", json={"sql": huge, "id": query_id}, timeout=120).status_code)

    worker = threading.Thread(target=run)
    worker.start()
    with server.client(mesh["owner"]) as http, server.client(mesh["analyst"]) as other:
        assert other.post(f"/api/v1/query/{query_id}/cancel").status_code == 404  # not theirs
        while worker.is_alive():
            if http.post(f"/api/v1/query/{query_id}/cancel").status_code == 204:
                break
            worker.join(0.05)
        worker.join(120)
        assert answers == [409]
        assert http.post("/api/v1/query", json={"sql": "SELECT 1", "id": "x"}).status_code == 422  # id too short
        done = http.post("/api/v1/query", json={"sql": f"SELECT segment FROM {table}"})
        assert int(done.headers["x-lakemesh-duration-ms"]) >= 0 and done.json()["duration_ms"] >= 0
        history = http.get("/api/v1/query/history", params={"limit": 5}).json()["items"]
        assert history[0]["sql"] == f"SELECT segment FROM {table}" and history[0]["rows"] == 6
        assert all(item["sql"] != huge for item in history)
    with connect(server.url, mesh["owner"]) as remote:
        assert remote.query_history(limit=1)[0].sql == f"SELECT segment FROM {table}"
