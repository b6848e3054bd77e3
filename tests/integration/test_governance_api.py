"""Governance over REST through a real server: the seed's policies, bad input, enforcement and compliance.

The server is shared by the whole session, so every policy made here is deleted again (global ones would
otherwise govern other tests' tables).
"""

from __future__ import annotations

import copy
import csv
import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pyarrow as pa
import pytest

from lakemesh import connect
from lakemesh.demo.data import crm_customers
from lakemesh.demo.governance import GLOBAL_POLICIES, SALES_POLICIES
from tests.integration.conftest import Server

ARROW = {"Content-Type": "application/vnd.apache.arrow.stream"}


def _arrow(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


@pytest.fixture
def domain(server: Server) -> Iterator[str]:
    """A fresh domain (its workspace name is `<Name>-Domain`) with the CRM table; its policies are removed after."""
    name = f"Gov{uuid.uuid4().hex[:6]}"
    with server.client() as http:
        assert http.post("/api/v1/domains", json={"name": name}).status_code == 201
        assert http.post(f"/api/v1/domains/{name}/lakehouses", json={"name": "crm"}).status_code == 201
        url = f"/api/v1/domains/{name}/lakehouses/crm/tables/bronze_crm_customers/data"
        data = _arrow(crm_customers(5, now=datetime.now(UTC)))
        assert http.post(url, content=data, headers=ARROW).status_code == 200
    yield name
    with server.client() as http:
        for policy in http.get("/api/v1/policies", params={"domain": name}).json()["items"]:
            http.delete(f"/api/v1/policies/{policy['name']}")


def _domain_policy(domain: str, name: str, rule: str, enforcement: str) -> dict[str, object]:
    return {
        "name": name,
        "scope": "WORKSPACE",
        "workspace": f"{domain}-Domain",
        "rule": rule,
        "enforcement": enforcement,
    }


def test_the_seed_policies_through_the_sdk_and_rest(server: Server, domain: str) -> None:
    suffix = uuid.uuid4().hex[:6]
    documents = copy.deepcopy(GLOBAL_POLICIES + SALES_POLICIES)
    for document in documents:
        document["name"] = f"{document['name']}-{suffix}"
    documents[2]["workspace"] = f"{domain}-Domain"
    documents[0]["enforcement"] = "alert"  # a global block would govern the other tests' tables
    mesh = connect(server.url, server.token)
    try:
        stored = [mesh.put_policy(d) for d in documents]
        assert [p.scope for p in stored] == ["GLOBAL", "GLOBAL", "WORKSPACE"] and stored[2].domain == domain.lower()
        with server.client() as http:
            again = http.put(f"/api/v1/policies/{documents[1]['name']}", json=documents[1])
            assert again.status_code == 200 and again.json()["changed"] is False
            violations = http.get("/api/v1/governance/violations", params={"domain": domain}).json()["items"]
            assert {v["subject_id"].rsplit("/", 1)[1] for v in violations} == {"email", "phone"}
            report = http.get("/api/v1/governance/report", params={"domain": domain, "format": "csv"})
            assert report.headers["content-type"].startswith("text/csv")
            rows = list(csv.DictReader(io.StringIO(report.text)))
            pii = [r for r in rows if r["domain"] == domain.lower() and r["policy"] == documents[0]["name"]]
            assert pii[0]["checked"] == "2" and pii[0]["compliance_pct"] == "0.0"
            evaluated = http.post("/api/v1/governance/evaluate", json={"domain": domain, "dry_run": True}).json()
            assert evaluated["findings_total"] == 2
            notes = http.get("/api/v1/governance/notifications", params={"domain": domain}).json()["items"]
            assert {n["kind"] for n in notes} == {"violation.opened"}
    finally:
        for document in documents:
            mesh.delete_policy(str(document["name"]))
        mesh.close()


def test_bad_policies_are_422_with_the_position(server: Server, domain: str) -> None:
    with server.client() as http:
        bad = http.put("/api/v1/policies/bad", json=_domain_policy(domain, "bad", "tables shall have x", "warn"))
        assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
        assert bad.json()["errors"][0]["loc"] == ["rule"] and "line 1, column 8" in bad.json()["errors"][0]["message"]
        loop = "cel: table.tags.all(a, table.tags.exists(b, a == b))"
        assert http.put("/api/v1/policies/loop", json=_domain_policy(domain, "loop", loop, "warn")).status_code == 422
        huge = "cel: " + " || ".join(["table.row_count > 1"] * 500)
        assert http.put("/api/v1/policies/huge", json=_domain_policy(domain, "huge", huge, "warn")).status_code == 422
        unknown = "cel: table.secret_sauce > 1"
        response = http.put("/api/v1/policies/unknown", json=_domain_policy(domain, "unknown", unknown, "warn"))
        assert response.status_code == 422 and "secret_sauce" in response.json()["errors"][0]["message"]
        nowhere = _domain_policy("Nowhere" + uuid.uuid4().hex[:4], "nowhere", "tables must have row_count > 0", "warn")
        response = http.put("/api/v1/policies/nowhere", json=nowhere)
        assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["workspace"]
        hook = http.post("/api/v1/governance/webhooks", json={"url": "ftp://example.com/x", "domain": domain})
        assert hook.status_code == 422 and hook.json()["errors"][0]["loc"] == ["url"]


def test_domain_admins_cannot_touch_global_policies(server: Server, domain: str) -> None:
    name = f"admin-{uuid.uuid4().hex[:6]}@company.com"
    global_name = f"described-{uuid.uuid4().hex[:6]}"
    with server.client() as http:
        http.post("/api/v1/principals", json={"name": name})
        http.post(f"/api/v1/domains/{domain}/members", json={"principal": name, "role": "Admin"})
        token = http.post("/api/v1/tokens", json={"principal": name}).json()["secret"]
        document = {"name": global_name, "scope": "GLOBAL", "rule": "gold tables must have description is set"}
        assert http.put(f"/api/v1/policies/{global_name}", json=document).status_code == 201
    try:
        with server.client(token) as http:
            weaker = {**document, "enforcement": "warn", "rule": "gold tables must have row_count >= 0"}
            assert http.put(f"/api/v1/policies/{global_name}", json=weaker).status_code == 403
            assert http.delete(f"/api/v1/policies/{global_name}").status_code == 403
            own = _domain_policy(domain, f"own-{domain}", "tables must have retention_days >= 30", "warn")
            assert http.put(f"/api/v1/policies/own-{domain}", json=own).status_code == 201
    finally:
        with server.client() as http:
            assert http.delete(f"/api/v1/policies/{global_name}").status_code == 204


def test_a_block_policy_refuses_a_write_with_one_error_per_finding(server: Server, domain: str) -> None:
    rule = "columns containing 'email', 'phone' must have sensitivity_label in ('Confidential')"
    with server.client() as http:
        name = f"pii-{domain}"
        assert http.put(f"/api/v1/policies/{name}", json=_domain_policy(domain, name, rule, "block")).status_code == 201
        url = f"/api/v1/domains/{domain}/lakehouses/crm/tables/bronze_crm_customers/data"
        response = http.post(url, content=_arrow(crm_customers(2, now=datetime.now(UTC))), headers=ARROW)
        assert response.status_code == 422
        problem = response.json()
        assert problem["type"].endswith("policy-violation")
        assert sorted(e["subject"].rsplit("/", 1)[1] for e in problem["errors"]) == ["email", "phone"]
        assert {e["policy"] for e in problem["errors"]} == {name}
        labels = {
            "columns": {"email": {"sensitivity_label": "Confidential"}, "phone": {"sensitivity_label": "Confidential"}}
        }
        table = url.removesuffix("/data")
        assert http.patch(table, json=labels).status_code == 200
        assert http.post(url, content=_arrow(crm_customers(2, now=datetime.now(UTC))), headers=ARROW).status_code == 200
        open_now = http.get("/api/v1/governance/violations", params={"domain": domain, "policy": name}).json()["items"]
        assert open_now == []


def test_governance_needs_a_token(server: Server) -> None:
    assert httpx.get(f"{server.url}/api/v1/governance/violations").status_code == 401
    assert httpx.put(f"{server.url}/api/v1/policies/x", json={}).status_code == 401
