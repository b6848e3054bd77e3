"""The OpenAPI document says what the server does: bearer auth, problem+json errors, unique ids, full Allow."""

from __future__ import annotations

import collections
import json
import re

from fastapi.testclient import TestClient


def test_the_document_declares_bearer_auth_and_public_endpoints(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert doc["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A Lakemesh API token (or a share's token).",
    }
    assert doc["security"] == [{"bearer": []}]
    assert doc["paths"]["/healthz"]["get"]["security"] == []


def test_errors_are_documented_as_problem_json_never_http_validation_error(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in json.dumps(doc)
    query = doc["paths"]["/api/v1/query"]["post"]["responses"]
    for code in ("401", "403", "404", "413", "415", "422", "429"):
        assert query[code]["content"] == {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        }
    assert "Retry-After" in query["429"]["headers"]
    patch = doc["paths"]["/api/v1/domains/{domain}"]["patch"]["responses"]
    assert "412" in patch and "409" in patch


def test_operation_ids_are_unique(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    ids = collections.Counter(op["operationId"] for ops in doc["paths"].values() for op in ops.values())
    assert [i for i, n in ids.items() if n > 1] == []


def test_a_405_lists_every_method_of_the_path(client: TestClient) -> None:
    response = client.put("/api/v1/domains/sales")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert set(response.headers["Allow"].split(", ")) == {"GET", "PATCH", "DELETE"}
    files = client.post("/api/v1/domains/sales/lakehouses/sales_lakehouse/files/a/b.txt")
    assert files.status_code == 405 and set(files.headers["Allow"].split(", ")) == {"GET", "PUT", "DELETE"}


def test_every_reference_resolves_in_components(client: TestClient) -> None:
    """ReDoc (and most generators) cannot follow a body schema's own `#/$defs/...` inside a path."""
    doc = client.get("/openapi.json").json()
    text = json.dumps(doc)
    assert "$defs" not in text
    body = doc["paths"]["/api/v1/products"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "#/components/schemas/" in json.dumps(body)
    for name in set(re.findall(r'"#/components/schemas/([^"]+)"', text)):
        assert name in doc["components"]["schemas"], name
