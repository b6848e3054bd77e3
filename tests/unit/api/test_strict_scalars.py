"""A number is not a date or a boolean: `?until=0.5` and `{"dry_run": 0}` are 422 problems, not guesses."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_a_number_where_a_timestamp_is_expected_is_422(client: TestClient) -> None:
    response = client.get("/api/v1/audit", params={"until": "0.5"})
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == ["query", "until"]
    assert client.get("/api/v1/audit", params={"since": "2025-01-01T00:00:00Z"}).status_code == 200


def test_a_number_where_a_boolean_is_expected_is_422(client: TestClient) -> None:
    response = client.post("/api/v1/governance/evaluate", json={"dry_run": 0})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"loc": ["dry_run"], "message": "must be true or false, not a number"}]
    assert client.post("/api/v1/governance/evaluate", json={"dry_run": True}).status_code == 200


def test_text_with_nul_characters_is_422_on_every_catalog(client: TestClient) -> None:
    """PostgreSQL cannot store NUL in text: refused up front, the same on SQLite, never a 500."""
    response = client.post("/api/v1/domains", json={"name": "Nul", "description": "a\u0000b"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"loc": ["description"], "message": "must not contain NUL characters"}]
    nested = client.post("/api/v1/domains", json={"name": "Nul", "tags": ["ok", "x\u0000"]})
    assert nested.status_code == 422 and nested.json()["errors"][0]["loc"] == ["tags", 1]
    assert client.get("/api/v1/domains/nul").status_code == 404
