"""The OpenAPI document as the server really behaves: bearer auth, RFC 9457 problems, unique operation ids.

FastAPI documents only 2xx answers and a `HTTPValidationError` 422 that this server never sends; clients and
fuzzers then neither know a token is needed nor what an error looks like. This rewrites the generated document
once: a bearer security scheme (public endpoints opt out), one `Problem` schema served as
`application/problem+json` for the 4xx answers each operation can give, and operation ids made unique where one
route serves two methods (GET and HEAD).
"""

from __future__ import annotations

import re
import warnings
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from lakemesh.api import schema_rules

PROBLEM_JSON = "application/problem+json"
# Endpoints that take no bearer token: probes, and data files whose signed URL is the credential.
PUBLIC = [re.compile(p) for p in (r"^/healthz$", r"^/readyz$", r"^/delta-sharing/files/", r"^/api/v1/sso$")]
HEAVY = (
    r"/query$",
    r"/pipelines/\{pipeline\}/runs$",
    r"/runs/\{run_id\}/rerun$",
    r"/tables/\{table\}/data$",
    r"/files/\{path\}$",
)
_TITLES = {
    400: "Bad request: the body cannot be read",
    401: "Authentication required: send `Authorization: Bearer <token>`",
    403: "Forbidden: the caller may not do this",
    404: "Not found (also what a caller that may not see the object gets)",
    409: "Conflict with the current state (a name taken, a state that does not allow it)",
    410: "Gone: the version's files were vacuumed",
    412: "Precondition failed: the object changed since the ETag in If-Match",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Invalid input: `errors[]` lists each field (`loc`) and what is wrong (`message`)",
    429: "Too many heavy requests at once; retry after `Retry-After` seconds",
}
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["loc", "message"],
                "properties": {
                    "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                    "message": {"type": "string"},
                },
            },
        },
    },
}


# The Delta Sharing protocol has its own error body, as JSON, and answers 400 where the API answers 422.
SHARING_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "DeltaSharingError",
    "required": ["errorCode", "message"],
    "properties": {"errorCode": {"type": "string"}, "message": {"type": "string"}},
}


def install(app: FastAPI) -> None:
    """Replace `app.openapi` with the rewritten document, built once on first request."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            with warnings.catch_warnings():  # GET+HEAD routes share an id until `rewrite` makes them unique
                warnings.filterwarnings("ignore", message="Duplicate Operation ID")
                document = get_openapi(
                    title=app.title, version=app.version, description=app.description, routes=app.routes
                )
            app.openapi_schema = rewrite(document)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def rewrite(document: dict[str, Any]) -> dict[str, Any]:
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["DeltaSharingError"] = SHARING_ERROR_SCHEMA
    components["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "A Lakemesh API token (or a share's token)."}
    }
    document["security"] = [{"bearer": []}]
    schema_rules.apply(document)
    seen: set[str] = set()
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            _operation(path, method, operation, seen)
    document["paths"] = _hoist_defs(document.get("paths", {}), schemas)
    return document


def _hoist_defs(node: Any, schemas: dict[str, Any]) -> Any:
    """Move pydantic's `$defs` of hand-written body schemas into components: ReDoc cannot resolve `#/$defs/...`
    inside a path (a body given in `openapi_extra` is a whole `model_json_schema()`)."""
    if isinstance(node, list):
        return [_hoist_defs(item, schemas) for item in node]
    if not isinstance(node, dict):
        return node
    for name, schema in node.pop("$defs", {}).items():
        schemas.setdefault(name, _hoist_defs(schema, schemas))
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        node = {**node, "$ref": "#/components/schemas/" + ref.removeprefix("#/$defs/")}
    return {key: _hoist_defs(value, schemas) for key, value in node.items()}


def _operation(path: str, method: str, operation: dict[str, Any], seen: set[str]) -> None:
    if operation.get("operationId") in seen:
        operation["operationId"] = f"{operation['operationId']}_{method}"
    seen.add(operation["operationId"])
    public = any(p.search(path) for p in PUBLIC)
    if public:
        operation["security"] = []
    codes = error_codes(path, method, operation, public=public)
    content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    if path.startswith("/delta-sharing/"):
        content = {"application/json": {"schema": {"$ref": "#/components/schemas/DeltaSharingError"}}}
    responses = operation.setdefault("responses", {})
    responses.pop("422", None)  # FastAPI's HTTPValidationError, which this server never sends
    beyond = operation.get("x-lakemesh-checked-beyond-schema", {})
    for code in sorted(codes):
        responses[str(code)] = {"description": _TITLES[code], "content": content}
        if code == 422 and beyond:
            rules = "; ".join(f"`{field}`: {rule}" for field, rule in beyond.items())
            responses[str(code)]["description"] += f". Checked beyond the schema: {rules}"
        if code == 429:
            responses[str(code)]["headers"] = {"Retry-After": {"schema": {"type": "integer"}}}


def error_codes(path: str, method: str, operation: dict[str, Any], *, public: bool) -> set[int]:
    """The 4xx an operation can answer, from what raises them: the auth dependency (401), permission checks
    (403), input naming an object (404), invalid input (422; 400/413/415 for a body), a write (409), If-Match
    (412), a heavy-request slot (429), time travel (410). The fuzz run's `status_code_conformance` check fails
    on any code an operation answers that is not listed here."""
    if path in ("/healthz", "/readyz"):
        return set()
    parameters = operation.get("parameters", [])
    codes: set[int] = set() if public else {401, 403}
    codes.add(404)  # also without input: `/me/sharing-profile` is missing until made
    if any(p["in"] != "header" for p in parameters) or "requestBody" in operation:  # headers: auth, If-Match
        codes.add(422)
    if "requestBody" in operation:
        codes |= {400, 413, 415}  # 400: a body that cannot be read (the body guard), or a raw one that does not parse
    if method in ("post", "put", "patch", "delete") and not path.endswith("/query"):
        codes.add(409)
    if any(p.get("name") == "If-Match" for p in parameters):
        codes.add(412)
    if method in {"post", "put"} and any(re.search(h, path) for h in HEAVY):
        codes.add(429)
    if "version" in path or path.endswith("/data"):
        codes.add(410)
    if path.startswith("/delta-sharing/"):
        codes = {400, 401, 403, 404} | (codes & {410})
    return codes


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method any route serves at `path` (for the `Allow` header of a 405, which RFC 9110 wants complete)."""
    methods: set[str] = set()
    for template, operations in app.openapi().get("paths", {}).items():
        if _template(template).fullmatch(path):
            methods |= {m.upper() for m in operations}
    return sorted(methods)


def _template(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
    if template.endswith("{path}"):  # a `{path:path}` parameter spans segments
        head, _, _ = pattern.rpartition("[^/]+")
        pattern = head + ".+"
    return re.compile(pattern)
