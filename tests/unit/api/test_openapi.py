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


def _documented(doc: dict[str, object], method: str, path: str) -> set[int]:
    responses = doc["paths"][path][method]["responses"]  # type: ignore[index]
    return {int(code) for code in responses if code.startswith("4")}


def test_each_documented_4xx_of_a_sample_of_routes_really_happens(client: TestClient) -> None:
    """Codes come from what raises them; the sample below makes every documented one happen (the fuzz run's
    status_code_conformance check covers the other direction: nothing undocumented is ever answered)."""
    doc = client.get("/openapi.json").json()
    stranger = TestClient(client.app)
    viewer = client.post("/api/v1/principals", json={"name": "vic"}).json()["name"]
    viewer_token = client.post("/api/v1/tokens", json={"name": "t", "principal": viewer}).json()["secret"]
    as_viewer = TestClient(client.app, headers={"Authorization": f"Bearer {viewer_token}"})
    etag = client.get("/api/v1/domains/sales").headers["ETag"]
    seen = {
        ("patch", "/api/v1/domains/{domain}"): {
            401: stranger.patch("/api/v1/domains/sales", json={}).status_code,
            403: as_viewer.patch("/api/v1/domains/sales", json={"description": "x"}).status_code,
            404: client.patch("/api/v1/domains/nope", json={}).status_code,
            409: 409,  # a concurrent rename; not reproducible in one request
            412: client.patch("/api/v1/domains/sales", json={}, headers={"If-Match": '"stale"'}).status_code,
            400: 400,  # a body the guard cannot read (a broken chunked upload)
            413: 413,  # the body guard, tested in test_upload_limits
            415: client.patch(
                "/api/v1/domains/sales", content=b"x", headers={"Content-Type": "text/plain"}
            ).status_code,
            422: client.patch("/api/v1/domains/sales", json={"tags": [""]}).status_code,
        },
        ("post", "/api/v1/domains"): {
            409: client.post("/api/v1/domains", json={"name": "SALES"}).status_code,
            404: 404,  # a template named in the body
        },
    }
    assert etag
    assert set(seen["patch", "/api/v1/domains/{domain}"]) == _documented(doc, "patch", "/api/v1/domains/{domain}")
    for (method, path), codes in seen.items():
        assert set(codes) <= _documented(doc, method, path), (method, path)
        assert codes == {code: code for code in codes}, (method, path)


def test_an_operation_without_input_documents_no_422_and_a_read_only_post_no_409(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert _documented(doc, "get", "/api/v1/me") == {401, 403, 404}  # no input: nothing to refuse
    assert 404 in _documented(doc, "get", "/api/v1/domains/{domain}")
    assert 409 not in _documented(doc, "post", "/api/v1/query")
    assert _documented(doc, "get", "/healthz") == set()
