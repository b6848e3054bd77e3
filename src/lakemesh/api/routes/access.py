"""Access requests, grants, the masking policy and governed SQL (`POST /query`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pyarrow as pa
from fastapi import APIRouter, Query, Response, status
from fastapi.responses import StreamingResponse

from lakemesh.access.models import (
    AccessDecision,
    AccessDenial,
    AccessRequest,
    AccessRequestCreate,
    Grant,
    GrantRevoke,
    MaskingPolicy,
    QueryColumn,
    QueryHistoryEntry,
    QueryRequest,
    QueryResult,
    RequestState,
)
from lakemesh.api.deps import Caller, Cursor, Limit, PlatformDep
from lakemesh.api.limits import HeavySlot
from lakemesh.core.pages import DEFAULT_LIMIT, Page
from lakemesh.storage import arrowio
from lakemesh.storage.types import type_name

router = APIRouter(prefix="/api/v1", tags=["access"])


@router.post(
    "/access-requests",
    status_code=status.HTTP_201_CREATED,
    summary="Request access to a data product",
    description="Routed to the product's owner and its domain's Admins (an `access.requested` event notifies them). "
    "Leave `columns` out for every column without a Confidential label; name Confidential columns to see them.",
)
def request_access(
    spec: AccessRequestCreate, platform: PlatformDep, caller: Caller, response: Response
) -> AccessRequest:
    created = platform.access.request(caller, spec)
    response.headers["Location"] = f"/api/v1/access-requests/{created.id}"
    return created


@router.get(
    "/access-requests",
    summary="List access requests",
    description="Your requests and those you decide; `role=requester` or `role=approver` for one side.",
)
def list_requests(
    platform: PlatformDep,
    caller: Caller,
    state: RequestState | None = None,
    role: Literal["requester", "approver"] | None = None,
    product: Annotated[str | None, Query(description="`<domain>/<product>`.")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[AccessRequest]:
    return platform.access.list_requests(caller, state=state, role=role, product=product, limit=limit, cursor=cursor)


@router.get("/access-requests/{request_id}", summary="An access request and its history")
def get_request(request_id: str, platform: PlatformDep, caller: Caller) -> AccessRequest:
    return platform.access.get_request(caller, request_id)


@router.post(
    "/access-requests/{request_id}/approve",
    summary="Approve, optionally narrowing columns or duration",
    description="Creates a grant that expires after the (narrowed) duration.",
)
def approve(
    request_id: str, platform: PlatformDep, caller: Caller, decision: AccessDecision | None = None
) -> AccessRequest:
    return platform.access.approve(caller, request_id, decision or AccessDecision())


@router.post("/access-requests/{request_id}/deny", summary="Deny with a reason")
def deny(request_id: str, denial: AccessDenial, platform: PlatformDep, caller: Caller) -> AccessRequest:
    return platform.access.deny(caller, request_id, denial)


@router.post("/access-requests/{request_id}/cancel", summary="Cancel your pending request")
def cancel(request_id: str, platform: PlatformDep, caller: Caller) -> AccessRequest:
    return platform.access.cancel(caller, request_id)


@router.get(
    "/grants",
    summary="List grants",
    description="Grants you hold (yourself or through your domains) and grants on products you approve for.",
)
def list_grants(
    platform: PlatformDep,
    caller: Caller,
    product: Annotated[str | None, Query(description="`<domain>/<product>`.")] = None,
    state: Literal["active", "expired", "revoked", "all"] = "active",
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[Grant]:
    chosen = None if state == "all" else state
    return platform.access.list_grants(caller, product=product, state=chosen, limit=limit, cursor=cursor)


@router.delete("/grants/{grant_id}", summary="Revoke a grant", description="Takes effect on the next read.")
def revoke_grant(grant_id: str, platform: PlatformDep, caller: Caller, reason: str = "") -> Grant:
    return platform.access.revoke(caller, grant_id, GrantRevoke(reason=reason))


@router.get("/masking", summary="The masking function per sensitivity label")
def get_masking(platform: PlatformDep, caller: Caller) -> MaskingPolicy:
    return platform.reads.get_policy(caller)


@router.put("/masking", summary="Set the masking function per label (platform admins)")
def put_masking(policy: MaskingPolicy, platform: PlatformDep, caller: Caller) -> MaskingPolicy:
    return platform.reads.set_policy(caller, policy)


@router.post(
    "/query",
    summary="Run a governed SQL query",
    dependencies=[HeavySlot],
    description="One read query (SELECT/WITH, joins, windows) over `<domain>.<lakehouse>.<table>` and "
    "`product.<domain>.<product>` (write `-` as `_`). Columns you may not see are masked before your SQL runs. "
    "A table that does not exist and one you may not read are the same 404. `format`: json (default), arrow, "
    "csv or parquet.",
    response_model=QueryResult,
    responses={200: {"content": {m: {} for m in arrowio.OUTPUT_TYPES.values()}}},
)
def query(request: QueryRequest, platform: PlatformDep, caller: Caller, response: Response) -> Any:
    outcome = platform.query.run(caller, request.sql, limit=request.limit, query_id=request.id)
    headers = {
        "X-Lakemesh-Truncated": str(outcome.truncated).lower(),
        "X-Lakemesh-Duration-Ms": str(outcome.duration_ms),
    }
    if request.format != "json":
        reader = pa.RecordBatchReader.from_batches(outcome.table.schema, outcome.table.to_batches())
        return StreamingResponse(
            arrowio.encode(reader, request.format), media_type=arrowio.OUTPUT_TYPES[request.format], headers=headers
        )
    response.headers.update(headers)
    table = outcome.table
    names = table.schema.names
    rows = [
        [record[i] for i in range(len(names))] for record in zip(*(c.to_pylist() for c in table.columns), strict=True)
    ]
    return QueryResult(
        columns=[QueryColumn(name=f.name, type=type_name(f.type)) for f in table.schema],
        rows=rows,
        row_count=table.num_rows,
        truncated=outcome.truncated,
        tables=outcome.tables,
        masked_columns=outcome.masked,
        duration_ms=outcome.duration_ms,
    )


@router.post(
    "/query/{query_id}/cancel",
    status_code=204,
    summary="Cancel your running query",
    description="Stops the query you started with this `id` at once (the engine's work stops); its request then "
    'answers 409 "The query was cancelled". 404 when none of your queries with this id is running (it finished, '
    "or it runs on another replica).",
)
def cancel_query(query_id: str, platform: PlatformDep, caller: Caller) -> Response:
    platform.query.cancel(caller, query_id)
    return Response(status_code=204)


@router.get("/query/history", summary="Your latest queries that ran, newest first")
def query_history(
    platform: PlatformDep, caller: Caller, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> Page[QueryHistoryEntry]:
    return Page(items=platform.query.history(caller, limit=limit))
