"""A grantee's personal Delta Sharing profile, read by the real `delta-sharing` client: exactly what the grants
cover, masked like SQL, following grants as they are approved and revoked, and revocable itself."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path

import delta_sharing
import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from requests import HTTPError

from tests.integration.conftest import Server


def _parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def _product(http: httpx.Client, domain: str, name: str, table: str, data: pa.Table, labels: dict[str, str]) -> None:
    base = f"/api/v1/domains/{domain}/lakehouses/lh/tables/{table}/data"
    written = http.post(base, content=_parquet(data), headers={"Content-Type": "application/vnd.apache.parquet"})
    assert written.is_success, written.text
    schema = {
        f.name: {"type": "string" if pa.types.is_string(f.type) else "integer"}
        | ({"sensitivity_label": labels[f.name]} if f.name in labels else {})
        for f in data.schema
    }
    spec = {
        "name": name,
        "domain": domain,
        "owner": f"owner-{domain}@company.com",
        "description": f"{name} of the finance team",
        "contract": {"schema": schema},
        "storage": {"type": "lakehouse_table", "lakehouse": "lh", "table": table},
    }
    made = http.post("/api/v1/products", json=spec)
    assert made.status_code == 201, made.text
    assert http.post(f"/api/v1/products/{domain}/{name.lower()}/publish").is_success


@pytest.fixture
def mesh(server: Server) -> dict[str, str]:
    """Finance with two published products (one with a Confidential column) and an analyst granted one of them."""
    suffix = uuid.uuid4().hex[:6]
    domain, analyst = f"fin{suffix}", f"analyst-{suffix}@company.com"
    with server.client() as http:
        assert http.post("/api/v1/domains", json={"name": domain}).status_code == 201
        assert http.post("/api/v1/principals", json={"name": f"owner-{domain}@company.com"}).status_code == 201
        assert http.post(f"/api/v1/domains/{domain}/lakehouses", json={"name": "lh"}).status_code == 201
        invoices = pa.table({"invoice_id": [1, 2, 3], "customer_email": ["a@x", "b@x", "c@x"], "region": ["eu"] * 3})
        _product(http, domain, "Invoices", "gold_invoices", invoices, {"customer_email": "Confidential"})
        _product(http, domain, "Payments", "gold_payments", pa.table({"payment_id": [7, 8]}), {})
        assert http.post("/api/v1/principals", json={"name": analyst}).status_code == 201
        token = http.post("/api/v1/tokens", json={"principal": analyst}).json()["secret"]
    with server.client(token) as http:
        body = {"product": f"{domain}/invoices", "purpose": "Revenue dashboard"}
        request = http.post("/api/v1/access-requests", json=body).json()
    with server.client() as http:
        approved = http.post(f"/api/v1/access-requests/{request['id']}/approve", json={})
        assert approved.is_success, approved.text
    return {"domain": domain, "token": token, "grant": approved.json()["grant_id"]}


def test_a_grantee_reads_exactly_their_grants_through_their_own_profile(
    server: Server, mesh: dict[str, str], tmp_path: Path
) -> None:
    domain = mesh["domain"]
    with server.client(mesh["token"]) as http:
        created = http.post("/api/v1/me/sharing-profile")
        assert created.status_code == 201, created.text
        issued = created.json()
    profile = tmp_path / "my.share"
    profile.write_text(json.dumps(issued["profile"]))
    client = delta_sharing.SharingClient(str(profile))
    tables = [(t.share, t.schema, t.name) for t in client.list_all_tables()]
    assert tables == [("grants", domain, "invoices")]  # Payments is not granted: not served
    url = f"{profile}#grants.{domain}.invoices"
    frame = delta_sharing.load_as_pandas(url)
    assert sorted(frame["invoice_id"].tolist()) == [1, 2, 3]
    assert "customer_email" not in frame.columns  # SQL masks it for this grantee: the profile leaves it out
    with server.client(mesh["token"]) as http:
        query = http.post("/api/v1/query", json={"sql": f"SELECT * FROM {domain}.lh.gold_invoices"}).json()
    assert query["masked_columns"] == {f"{domain}.lh.gold_invoices": ["customer_email"]}

    # a file URL handed out before the grant is revoked stops working with the grant
    endpoint = issued["profile"]["endpoint"]
    headers = {"Authorization": f"Bearer {issued['token']}"}
    lines = httpx.post(
        f"{endpoint}/shares/grants/schemas/{domain}/tables/invoices/query", json={}, headers=headers
    ).text.splitlines()
    file_url = next(json.loads(line)["file"]["url"] for line in lines if '"file"' in line)
    assert httpx.get(file_url).status_code == 200
    with server.client() as http:
        assert http.delete(f"/api/v1/grants/{mesh['grant']}").is_success
    assert client.list_all_tables() == []
    assert httpx.get(file_url).status_code == 401
    with pytest.raises(HTTPError):
        delta_sharing.load_as_pandas(url)


def test_a_profile_is_refused_without_grants_and_can_be_revoked(server: Server, mesh: dict[str, str]) -> None:
    with server.client() as http:
        http.post("/api/v1/principals", json={"name": f"nobody-{mesh['domain']}"})
        nobody = http.post("/api/v1/tokens", json={"principal": f"nobody-{mesh['domain']}"}).json()["secret"]
    with server.client(nobody) as http:
        refused = http.post("/api/v1/me/sharing-profile")
        assert refused.status_code == 409
        assert "request access first" in refused.json()["detail"]
        assert http.get("/api/v1/me/sharing-profile").status_code == 404
        share = http.post("/api/v1/shares", json={"name": f"s_{mesh['domain']}", "domain": mesh["domain"]})
        assert share.status_code == 403
        assert "lakemesh access profile --out my.share" in share.json()["detail"]  # says what to do instead
    with server.client(mesh["token"]) as http:
        issued = http.post("/api/v1/me/sharing-profile").json()
        assert http.get("/api/v1/me/sharing-profile").json()["tables"][0]["product"] == f"{mesh['domain']}/invoices"
        revoked = http.delete("/api/v1/me/sharing-profile").json()
        assert revoked["state"] == "revoked" and revoked["tables"] == []
    endpoint = issued["profile"]["endpoint"]
    answer = httpx.get(f"{endpoint}/shares", headers={"Authorization": f"Bearer {issued['token']}"})
    assert answer.status_code == 401
    assert "revoked" in answer.json()["message"]


def test_a_profile_file_url_stops_when_a_column_is_labelled_after_it_was_issued(
    server: Server, mesh: dict[str, str]
) -> None:
    domain = mesh["domain"]
    with server.client(mesh["token"]) as http:
        issued = http.post("/api/v1/me/sharing-profile").json()
    endpoint = issued["profile"]["endpoint"]
    headers = {"Authorization": f"Bearer {issued['token']}"}
    query = f"{endpoint}/shares/grants/schemas/{domain}/tables/invoices/query"
    lines = httpx.post(query, json={}, headers=headers).text.splitlines()
    file_url = next(json.loads(line)["file"]["url"] for line in lines if '"file"' in line)
    assert httpx.get(file_url).status_code == 200
    with server.client() as http:
        labelled = http.patch(
            f"/api/v1/domains/{domain}/lakehouses/lh/tables/gold_invoices",
            json={"columns": {"region": {"sensitivity_label": "Confidential"}}},
        )
        assert labelled.is_success, labelled.text
    assert httpx.get(file_url).status_code == 403  # issued while region was served in clear
    lines = httpx.post(query, json={}, headers=headers).text.splitlines()
    metadata = next(json.loads(line)["metaData"] for line in lines if '"metaData"' in line)
    assert "region" not in metadata["schemaString"]
