"""Semantic models: documents (JSON or YAML), versions, and queries in DAX or the JSON form."""

from __future__ import annotations

from typing import Annotated, Any

import pyarrow as pa
from fastapi import APIRouter, Body, Request, Response, status
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from lakemesh.api.deps import Caller, Cursor, IfMatch, Limit, PlatformDep
from lakemesh.api.limits import HeavySlot
from lakemesh.api.uploads import spooled_body
from lakemesh.core.documents import load_bounded_yaml
from lakemesh.core.errors import UnsupportedMediaType
from lakemesh.core.pages import DEFAULT_LIMIT, Page
from lakemesh.semantic.models import (
    SemanticColumn,
    SemanticModel,
    SemanticModelVersion,
    SemanticQuery,
    SemanticResult,
    parse_model_document,
)
from lakemesh.storage import arrowio
from lakemesh.storage.types import type_name

router = APIRouter(prefix="/api/v1", tags=["semantic models"])
RAW_BODY_PATHS = [r"^/api/v1/domains/[^/]+/semantic-models/[^/]+$"]
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml")
MAX_MODEL_BYTES = 1024 * 1024
MODEL = "/domains/{domain}/semantic-models/{model}"


@router.put(
    MODEL,
    summary="Create or replace a semantic model",
    description="The model document as JSON or YAML (`Content-Type: application/yaml`): logical tables bound to "
    "products or lakehouse tables, columns, many-to-one relationships and measures. Every source must be readable "
    "by you; every problem is one entry of a 422. A changed document is a new version (major if it removes a "
    "table, column or measure).",
)
async def put_model(
    domain: str,
    model: str,
    request: Request,
    platform: PlatformDep,
    caller: Caller,
    response: Response,
    if_match: IfMatch = None,
) -> SemanticModel:
    media = (request.headers.get("content-type") or "application/json").split(";")[0].strip().lower()
    if media not in (*YAML_TYPES, "application/json"):
        raise UnsupportedMediaType("Send the model as application/json or application/yaml")
    async with spooled_body(request, MAX_MODEL_BYTES) as path:
        text = path.read_text(encoding="utf-8", errors="replace")
    document: Any = load_bounded_yaml(text, "body") if text.strip() else None  # YAML is a superset of JSON
    spec = parse_model_document(document)
    saved = await run_in_threadpool(platform.semantic.put, caller, domain, model, spec, if_match=if_match)
    response.headers["ETag"] = saved.etag
    return saved


@router.get("/domains/{domain}/semantic-models", summary="List a domain's semantic models you may read")
def list_domain_models(
    domain: str, platform: PlatformDep, caller: Caller, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[SemanticModel]:
    return platform.semantic.list_models(caller, domain=domain, limit=limit, cursor=cursor)


@router.get("/semantic-models", summary="Semantic models you may read, in every domain (optionally by name)")
def list_models(
    platform: PlatformDep, caller: Caller, name: str | None = None, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[SemanticModel]:
    return platform.semantic.list_models(caller, name=name, limit=limit, cursor=cursor)


@router.get(MODEL, summary="Get a semantic model")
def get_model(domain: str, model: str, platform: PlatformDep, caller: Caller, response: Response) -> SemanticModel:
    found = platform.semantic.get(caller, domain, model)
    response.headers["ETag"] = found.etag
    return found


@router.get(MODEL + "/versions", summary="Versions of a semantic model, newest first")
def list_versions(domain: str, model: str, platform: PlatformDep, caller: Caller) -> Page[SemanticModelVersion]:
    return Page(items=platform.semantic.versions(caller, domain, model))


@router.delete(MODEL, status_code=status.HTTP_204_NO_CONTENT, summary="Delete a semantic model")
def delete_model(domain: str, model: str, platform: PlatformDep, caller: Caller) -> Response:
    platform.semantic.delete(caller, domain, model)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    MODEL + "/query",
    summary="Query a semantic model",
    dependencies=[HeavySlot],
    description='`{"dax": "EVALUATE SUMMARIZE(Customers, Customers[Segment])"}`, or the JSON form '
    '`{"dimensions": ["Customers[Segment]"], "measures": ["Customers"], "filters": [{"column": ..., "op": "=", '
    '"value": ...}]}`. Runs as you through the governed query path: your grants and column masks apply. Columns '
    "are named like DAX (`Customers[Segment]`, `[Total]`). Unsupported DAX is a 422 naming the construct and its "
    "position. `format`: json (default), arrow, csv or parquet.",
    response_model=SemanticResult,
    responses={200: {"content": {m: {} for m in arrowio.OUTPUT_TYPES.values()}}},
)
def query_model(
    domain: str,
    model: str,
    platform: PlatformDep,
    caller: Caller,
    request: Annotated[SemanticQuery, Body(default_factory=SemanticQuery)],
) -> Any:
    outcome = platform.semantic.query(caller, domain, model, request)
    headers = {"X-Lakemesh-Truncated": str(outcome.truncated).lower()}
    table = outcome.table
    if request.format != "json":
        reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches())
        return StreamingResponse(
            arrowio.encode(reader, request.format), media_type=arrowio.OUTPUT_TYPES[request.format], headers=headers
        )
    columns = [c.to_pylist() for c in table.columns]
    return SemanticResult(
        columns=[SemanticColumn(name=f.name, type=type_name(f.type)) for f in table.schema],
        rows=[list(row) for row in zip(*columns, strict=True)] if columns else [],
        row_count=table.num_rows,
        truncated=outcome.truncated,
        sql=outcome.sql,
    )
