"""Table profiles through a real server: REST, the remote SDK and the CLI give the same statistics."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import uuid
from decimal import Decimal

import pyarrow as pa
import pytest

from lakemesh import connect
from tests.integration.conftest import Server


@pytest.fixture(scope="module")
def table_path(server: Server) -> str:
    domain = f"p{uuid.uuid4().hex[:8]}"
    data = pa.table(
        {
            "id": [1, 2, 3, 4],
            "amount": pa.array([Decimal("1.50"), None, Decimal("-2.25"), Decimal("10.00")], pa.decimal128(18, 2)),
            "status": ["open", "open", "closed", None],
        }
    )
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, data.schema) as writer:
        writer.write_table(data)
    with server.client() as http:
        assert http.post("/api/v1/domains", json={"name": domain}).status_code == 201
        assert http.post(f"/api/v1/domains/{domain}/lakehouses", json={"name": "lh"}).status_code == 201
        written = http.post(
            f"/api/v1/domains/{domain}/lakehouses/lh/tables/orders/data",
            content=sink.getvalue(),
            headers={"Content-Type": "application/vnd.apache.arrow.stream"},
        )
        assert written.status_code == 200, written.text
    return f"{domain}.lh.orders"


def test_rest_sdk_and_cli_show_the_same_profile(server: Server, table_path: str) -> None:
    domain, lakehouse, table = table_path.split(".")
    url = f"/api/v1/domains/{domain}/lakehouses/{lakehouse}/tables/{table}/profile"
    with server.client() as http:
        assert http.get(url).status_code == 200  # computed on first request
        posted = http.post(url)
        assert posted.status_code == 200, posted.text
        body = posted.json()
        assert http.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401
        missing = http.get(url.replace("/orders/", "/nothing/"))
        assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
        history = http.get(f"{url}/columns/amount").json()
    columns = {c["name"]: c for c in body["columns"]}
    assert body["rows"] == 4 and columns["amount"]["nulls"] == 1
    assert columns["amount"]["min"] == -2.25 and columns["amount"]["max"] == 10.0
    assert {v["value"]: v["count"] for v in columns["status"]["top_values"]} == {"open": 2, "closed": 1}
    assert len(history) == 2 and history[0]["version"] == body["version"]

    remote = connect(server.url, token=server.token).get_table_profile(domain, lakehouse, table)
    assert remote.version == body["version"] and remote.rows == 4
    assert [c.model_dump(mode="json") for c in remote.columns] == body["columns"]

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        env = {**server.env, "LAKEMESH_URL": server.url, "LAKEMESH_TOKEN": server.token}
        command = [sys.executable, "-m", "lakemesh.cli.main", "table", "profile", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)

    shown = cli(table_path, "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["columns"] == body["columns"]
    drift = cli(table_path, "--column", "status")
    assert drift.returncode == 0 and "computed_at" in drift.stdout
    bad = cli("not-a-table")
    assert bad.returncode != 0 and len(bad.stderr.strip().splitlines()) == 1 and "not a table" in bad.stderr


def test_full_forces_a_whole_scan_after_an_append_on_rest_sdk_and_cli(server: Server) -> None:
    domain = f"p{uuid.uuid4().hex[:8]}"
    url = f"/api/v1/domains/{domain}/lakehouses/lh/tables/visits"
    arrow = {"Content-Type": "application/vnd.apache.arrow.stream"}

    def rows(values: list[int]) -> bytes:
        sink = io.BytesIO()
        data = pa.table({"visit": values})
        with pa.ipc.new_stream(sink, data.schema) as writer:
            writer.write_table(data)
        return sink.getvalue()

    with server.client() as http:
        assert http.post("/api/v1/domains", json={"name": domain}).status_code == 201
        assert http.post(f"/api/v1/domains/{domain}/lakehouses", json={"name": "lh"}).status_code == 201
        assert http.post(url + "/data", content=rows(list(range(100))), headers=arrow).status_code == 200
        assert http.post(url + "/profile").json()["method"] == "full"
        for appended in ([100], [101], [102]):
            assert http.post(url + "/data?mode=append", content=rows(appended), headers=arrow).status_code == 200
            assert http.post(url + "/profile").json()["method"] == "incremental"
            forced = http.post(url + "/profile", params={"full": "true"}).json()
            assert forced["method"] == "full" and forced["appended_rows"] == 0
        assert forced["rows"] == 103
    remote = connect(server.url, token=server.token)
    assert remote.profile_table(domain, "lh", "visits", full=True).method == "full"
    env = {**server.env, "LAKEMESH_URL": server.url, "LAKEMESH_TOKEN": server.token}
    command = [sys.executable, "-m", "lakemesh.cli.main", "table", "profile", f"{domain}.lh.visits", "--full", "--json"]
    shown = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["method"] == "full"
