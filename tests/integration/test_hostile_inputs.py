"""Inputs an attacker sends get a 4xx problem, never a 500 (which also reset the next keep-alive request)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.integration.conftest import Server
from tests.integration.test_sharing_api import share_orders


def _deep_hint(levels: int) -> str:
    return '{"op":"not","children":[' * levels + '{"op":"column","name":"region"}' + "]}" * levels


def test_file_token_with_non_ascii_signature_is_forbidden(server: Server) -> None:
    with server.client() as http:
        for token in ("a.%C3%A9", "%C3%A9.%C3%A9", "eyJwIjoiYSJ9.%E2%9C%93?sp=r"):
            answer = http.get(f"/delta-sharing/files/{token}")
            assert answer.status_code == 403, (token, answer.text)
            assert answer.json()["errorCode"] == "PERMISSION_DENIED"


def test_deeply_nested_predicate_hints_are_a_400(server: Server, tmp_path: Path) -> None:
    shared = share_orders(server, tmp_path)
    query = f"/delta-sharing/shares/{shared['share']}/schemas/sales/tables/orders/query"
    auth = {"Authorization": f"Bearer {shared['token']}"}
    with server.client() as http:
        deep = http.post(query, json={"jsonPredicateHints": _deep_hint(2000)}, headers=auth)
        assert deep.status_code == 400 and "jsonPredicateHints" in deep.json()["message"]
        assert http.post(query, json={"jsonPredicateHints": _deep_hint(3)}, headers=auth).status_code == 200
        for version in (10**30, 2**63, -1):
            huge = http.post(query, json={"version": version}, headers=auth)
            assert huge.status_code == 400, huge.text
        changes = query.replace("/query", "/changes")
        for start in (str(10**30), "99999999999999999999"):
            assert http.get(changes, params={"startingVersion": start}, headers=auth).status_code == 400


@pytest.mark.parametrize("expires_in", ["99999999d", "999999999999999w", "36526d", "1e9d"])
def test_durations_beyond_a_hundred_years_are_a_422(server: Server, expires_in: str) -> None:
    with server.client() as http:
        token = http.post("/api/v1/tokens", json={"principal": "admin", "expires_in": expires_in})
        assert token.status_code == 422, token.text
        assert token.headers["content-type"].startswith("application/problem+json")


def test_reserved_table_names_are_refused_without_leaving_a_directory(server: Server) -> None:
    domain = f"rsv{uuid.uuid4().hex[:6]}"
    with server.client() as http:
        assert http.post("/api/v1/domains", json={"name": domain}).status_code == 201
        assert http.post(f"/api/v1/domains/{domain}/lakehouses", json={"name": "lh"}).status_code == 201
        base = f"/api/v1/domains/{domain}/lakehouses/lh/tables"
        for name in ("_delta_log", "_platform", "_x"):
            created = http.post(base, json={"name": name, "columns": [{"name": "id", "type": "int64"}]})
            assert created.status_code == 422, created.text
            assert "reserved" in created.json()["detail"]
            written = http.post(f"{base}/{name}/data", content=b"id\n1\n", headers={"Content-Type": "text/csv"})
            assert written.status_code == 422, written.text
        listed = http.get(base).json()
        assert not (listed["items"] if isinstance(listed, dict) else listed)
    tables = server.home / "data" / domain / "lh" / "Tables"
    assert not tables.exists() or sorted(p.name for p in tables.iterdir()) == []


def test_huge_table_versions_are_a_4xx(server: Server) -> None:
    domain = f"ver{uuid.uuid4().hex[:6]}"
    with server.client() as http:
        assert http.post("/api/v1/domains", json={"name": domain}).status_code == 201
        assert http.post(f"/api/v1/domains/{domain}/lakehouses", json={"name": "lh"}).status_code == 201
        base = f"/api/v1/domains/{domain}/lakehouses/lh/tables/t"
        written = http.post(f"{base}/data", content=b"id\n1\n", headers={"Content-Type": "text/csv"})
        assert written.status_code in (200, 201), written.text
        for version in (str(2**63), str(10**30), "99999999999999999999999", str(2**63 - 1)):
            answer = http.get(f"{base}/data", params={"version": version, "format": "json"})
            assert 400 <= answer.status_code < 500, (version, answer.status_code, answer.text)
            assert json.loads(answer.text)["status"] == answer.status_code


def test_deeply_nested_yaml_documents_are_a_4xx(server: Server) -> None:
    deep = "[" * 5000 + "]" * 5000
    with server.client() as http:
        model = http.put(
            "/api/v1/domains/nowhere/semantic-models/m", content=deep, headers={"Content-Type": "application/yaml"}
        )
        assert 400 <= model.status_code < 500, model.text
        odcs = http.post("/api/v1/products", content=f"a: {deep}", headers={"Content-Type": "application/yaml"})
        assert 400 <= odcs.status_code < 500, odcs.text
