"""A POST whose fields are all optional takes an empty body: the defaults apply (no 422 for a missing body)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def _schema(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if "anyOf" in schema:
        return _schema(doc, next(s for s in schema["anyOf"] if s.get("type") != "null"))
    return schema


def test_every_post_with_only_optional_fields_does_not_require_a_body(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    required = []
    for path, operations in doc["paths"].items():
        body = operations.get("post", {}).get("requestBody")
        json_body = (body or {}).get("content", {}).get("application/json")
        if json_body is None:
            continue
        schema = _schema(doc, json_body["schema"])
        if schema.get("type") == "object" and not schema.get("required") and body.get("required"):
            required.append(path)
    assert required == []


def test_evaluate_and_tokens_take_an_empty_body(client: TestClient) -> None:
    evaluated = client.post("/api/v1/governance/evaluate")
    assert evaluated.status_code == 200, evaluated.text
    token = client.post("/api/v1/tokens")
    assert token.status_code == 201 and token.json()["name"] == "api"
