"""Shortcuts over REST, and the Delta Sharing server read by the real `delta-sharing` client."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path

import delta_sharing
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from requests import HTTPError

from tests.integration.conftest import Server


def _parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def share_orders(server: Server, folder: Path, *, schema: str | None = "sales") -> dict[str, str]:
    """A domain with a partitioned table written twice (versions), a share of it and a recipient profile."""
    suffix = uuid.uuid4().hex[:6]
    domain, share = f"ds{suffix}", f"share_{suffix}"
    with server.client() as http:
        assert http.post("/api/v1/domains", json={"name": domain}).status_code == 201
        assert http.post(f"/api/v1/domains/{domain}/lakehouses", json={"name": "lh"}).status_code == 201
        base = f"/api/v1/domains/{domain}/lakehouses/lh/tables"
        spec = {
            "name": "orders",
            "columns": [
                {"name": "id", "type": "int64"},
                {"name": "region", "type": "string"},
                {"name": "email", "type": "string", "sensitivity_label": "Confidential"},
            ],
            "partition_columns": ["region"],
        }
        assert http.post(base, json=spec).status_code == 201
        first = pa.table({"id": [1, 2, 3], "region": ["eu", "us", "eu"], "email": ["a@x", "b@x", "c@x"]})
        second = pa.table({"id": [4, 5], "region": ["us", "eu"], "email": ["d@x", "e@x"]})
        for data in (first, second):
            response = http.post(
                f"{base}/orders/data",
                content=_parquet(data),
                headers={"Content-Type": "application/vnd.apache.parquet"},
            )
            assert response.status_code in (200, 201), response.text
        assert http.post("/api/v1/shares", json={"name": share, "domain": domain}).status_code == 201
        table = {"lakehouse": "lh", "table": "orders", **({"schema": schema} if schema else {})}
        added = http.post(f"/api/v1/shares/{share}/tables", json=table)
        assert added.status_code == 201, added.text
        assert added.json()["tables"][0]["columns"] == ["id", "region"]  # the Confidential column is left out
        issued = http.post(f"/api/v1/shares/{share}/recipients", json={"name": "partner"})
        assert issued.status_code == 201
    profile = folder / "partner.share"
    profile.write_text(json.dumps(issued.json()["profile"]))
    return {"profile": str(profile), "share": share, "domain": domain, "token": issued.json()["token"]}


@pytest.fixture
def shared(server: Server, tmp_path: Path) -> dict[str, str]:
    return share_orders(server, tmp_path)


def test_real_client_lists_and_reads_with_time_travel_and_limit(server: Server, shared: dict[str, str]) -> None:
    client = delta_sharing.SharingClient(shared["profile"])
    tables = client.list_all_tables()
    assert [(t.share, t.schema, t.name) for t in tables] == [(shared["share"], "sales", "orders")]
    url = f"{shared['profile']}#{shared['share']}.sales.orders"
    frame = delta_sharing.load_as_pandas(url)
    assert sorted(frame["id"].tolist()) == [1, 2, 3, 4, 5]
    assert list(frame.columns) == ["id", "region"]  # masked column not served
    first_version = delta_sharing.load_as_pandas(url, version=1)
    assert sorted(first_version["id"].tolist()) == [1, 2, 3]
    assert len(delta_sharing.load_as_pandas(url, limit=2)) == 2
    eu = delta_sharing.load_as_pandas(
        url,
        jsonPredicateHints=json.dumps(
            {
                "op": "equal",
                "children": [
                    {"op": "column", "name": "region", "valueType": "string"},
                    {"op": "literal", "value": "eu", "valueType": "string"},
                ],
            }
        ),
    )
    assert set(eu["region"]) == {"eu"}
    with server.client() as http:
        audit = http.get("/api/v1/audit", params={"action": "share.table_read", "limit": 50}).json()["items"]
    assert any(e["actor"] == f"recipient:{shared['share']}/partner" for e in audit)


def test_revoked_recipient_is_refused(server: Server, shared: dict[str, str]) -> None:
    url = f"{shared['profile']}#{shared['share']}.sales.orders"
    with server.client() as http:
        files = http.post(
            f"/delta-sharing/shares/{shared['share']}/schemas/sales/tables/orders/query",
            json={},
            headers={"Authorization": f"Bearer {shared['token']}"},
        )
        file_url = json.loads(files.text.splitlines()[2])["file"]["url"]
        assert http.delete(f"/api/v1/shares/{shared['share']}/recipients/partner").status_code == 200
    with pytest.raises(HTTPError) as refused:
        delta_sharing.load_as_pandas(url)
    assert refused.value.response.status_code in (401, 403)
    import httpx

    assert httpx.get(file_url).status_code in (401, 403)


def test_bad_protocol_requests(server: Server, shared: dict[str, str]) -> None:
    auth = {"Authorization": f"Bearer {shared['token']}"}
    table = f"/delta-sharing/shares/{shared['share']}/schemas/sales/tables/orders"
    with server.client() as http:
        beyond = http.post(f"{table}/query", json={"version": 99}, headers=auth)
        assert beyond.status_code == 400 and beyond.json()["errorCode"] == "INVALID_PARAMETER_VALUE"
        lines = http.post(f"{table}/query", json={}, headers=auth).text.splitlines()
        url = json.loads(lines[2])["file"]["url"].split("?")[0]
        token = url.rsplit("/", 1)[1]
        payload, mac = token.split(".")
        forged = http.get(url.replace(mac, mac[::-1]))
        assert forged.status_code == 403 and forged.json()["errorCode"] == "PERMISSION_DENIED"
        tampered_payload = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB")
        assert http.get(url.replace(payload, tampered_payload)).status_code == 403
        other = http.get("/delta-sharing/shares/not_mine/schemas", headers=auth)
        assert other.status_code == 404 and other.json()["errorCode"] == "RESOURCE_DOES_NOT_EXIST"
        assert http.get("/delta-sharing/shares", headers={"Authorization": "Bearer nope"}).status_code == 401
        platform_token = http.get("/delta-sharing/shares")  # the platform's own token is not a recipient token
        assert platform_token.status_code == 401


def test_shortcut_over_rest_is_read_only(server: Server) -> None:
    suffix = uuid.uuid4().hex[:6]
    with server.client() as http:
        for domain in (f"a{suffix}", f"b{suffix}"):
            http.post("/api/v1/domains", json={"name": domain})
            http.post(f"/api/v1/domains/{domain}/lakehouses", json={"name": "lh"})
        http.post(
            f"/api/v1/domains/a{suffix}/lakehouses/lh/tables/t/data",
            content=_parquet(pa.table({"x": [1, 2]})),
            headers={"Content-Type": "application/vnd.apache.parquet"},
        )
        body = {"path": "Tables/shared_t", "target": {"domain": f"a{suffix}", "lakehouse": "lh", "table": "t"}}
        created = http.post(f"/api/v1/domains/b{suffix}/lakehouses/lh/shortcuts", json=body)
        assert created.status_code == 201, created.text
        data = http.get(f"/api/v1/domains/b{suffix}/lakehouses/lh/tables/shared_t/data", params={"format": "json"})
        assert data.status_code == 200
        write = http.post(
            f"/api/v1/domains/b{suffix}/lakehouses/lh/tables/shared_t/data",
            content=_parquet(pa.table({"x": [3]})),
            headers={"Content-Type": "application/vnd.apache.parquet"},
        )
        assert write.status_code == 403
        escaping = http.post(f"/api/v1/domains/b{suffix}/lakehouses/lh/shortcuts", json={**body, "path": "Tables/../x"})
        assert escaping.status_code == 422
