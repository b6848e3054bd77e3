"""The open Delta Sharing protocol under `/delta-sharing/`: recipient bearer tokens, `{errorCode, message}` errors.

Its routes convert every error themselves (the platform's problem+json shape is not what Delta Sharing clients
parse), and they sit outside `/api/`, so the JSON body guard does not apply; they check their own input.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from lakemesh.api.deps import PlatformDep
from lakemesh.api.routes.sharing import sharing_endpoint
from lakemesh.core.errors import BadRequest, LakemeshError
from lakemesh.core.validation import MAX_INT64
from lakemesh.sharing import files
from lakemesh.sharing.changes import ChangeRange
from lakemesh.sharing.lines import CAPABILITIES
from lakemesh.sharing.protocol import QueryResult, RecipientContext

NDJSON = "application/x-ndjson; charset=utf-8"
_CODES = {
    400: "INVALID_PARAMETER_VALUE",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "RESOURCE_DOES_NOT_EXIST",
    410: "RESOURCE_DOES_NOT_EXIST",
    422: "INVALID_PARAMETER_VALUE",
}


def protocol_error(status: int, message: str) -> JSONResponse:
    code = _CODES.get(status, "INTERNAL_ERROR")
    status = 400 if status == 422 else status
    headers = {"WWW-Authenticate": 'Bearer realm="delta-sharing"'} if status == 401 else None
    return JSONResponse({"errorCode": code, "message": message}, status_code=status, headers=headers)


class ProtocolRoute(APIRoute):
    """Maps errors to the protocol's JSON; unexpected ones propagate to the app's logging handler."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except LakemeshError as exc:
                return protocol_error(exc.status, str(exc))
            except RequestValidationError as exc:
                fields = "; ".join(
                    f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in exc.errors()
                )
                return protocol_error(400, f"Invalid request parameters: {fields}")
            except HTTPException as exc:
                return protocol_error(exc.status_code, str(exc.detail))

        return guarded


router = APIRouter(prefix="/delta-sharing", tags=["delta-sharing"], route_class=ProtocolRoute)
TABLE = "/shares/{share}/schemas/{schema}/tables/{table}"
MaxResults = Annotated[int | None, Query(alias="maxResults")]
PageToken = Annotated[str | None, Query(alias="pageToken")]


def recipient(platform: PlatformDep, authorization: str | None) -> RecipientContext:
    scheme, _, secret = (authorization or "").partition(" ")
    return platform.sharing.authenticate(secret.strip() if scheme.lower() == "bearer" else None)


Auth = Annotated[str | None, Header()]


Capabilities = Annotated[str | None, Header(alias=CAPABILITIES)]


def _lines(result: QueryResult) -> Response:
    body = "\n".join(result.lines) + "\n"
    headers = {"Delta-Table-Version": str(result.version), CAPABILITIES: f"responseformat={result.format}"}
    return Response(body, media_type=NDJSON, headers=headers)


@router.get("/shares", summary="List shares (Delta Sharing)")
def list_shares(
    platform: PlatformDep, authorization: Auth = None, max_results: MaxResults = None, page_token: PageToken = None
) -> dict[str, Any]:
    return platform.sharing.list_shares(recipient(platform, authorization), max_results, page_token)


@router.get("/shares/{share}", summary="Get a share (Delta Sharing)")
def get_share(share: str, platform: PlatformDep, authorization: Auth = None) -> dict[str, Any]:
    return platform.sharing.get_share(recipient(platform, authorization), share)


@router.get("/shares/{share}/schemas", summary="List schemas (Delta Sharing)")
def list_schemas(
    share: str,
    platform: PlatformDep,
    authorization: Auth = None,
    max_results: MaxResults = None,
    page_token: PageToken = None,
) -> dict[str, Any]:
    return platform.sharing.list_schemas(recipient(platform, authorization), share, max_results, page_token)


@router.get("/shares/{share}/schemas/{schema}/tables", summary="List tables in a schema (Delta Sharing)")
def list_tables(
    share: str,
    schema: str,
    platform: PlatformDep,
    authorization: Auth = None,
    max_results: MaxResults = None,
    page_token: PageToken = None,
) -> dict[str, Any]:
    who = recipient(platform, authorization)
    return platform.sharing.list_tables(who, share, schema, max_results, page_token)


@router.get("/shares/{share}/all-tables", summary="List all tables in a share (Delta Sharing)")
def list_all_tables(
    share: str,
    platform: PlatformDep,
    authorization: Auth = None,
    max_results: MaxResults = None,
    page_token: PageToken = None,
) -> dict[str, Any]:
    who = recipient(platform, authorization)
    return platform.sharing.list_tables(who, share, None, max_results, page_token)


@router.api_route(TABLE + "/version", methods=["GET", "HEAD"], summary="Table version (Delta Sharing)")
def table_version(
    share: str,
    schema: str,
    table: str,
    platform: PlatformDep,
    authorization: Auth = None,
    starting_timestamp: Annotated[str | None, Query(alias="startingTimestamp")] = None,
) -> Response:
    who = recipient(platform, authorization)
    version = platform.sharing.table_version(who, share, schema, table, starting_timestamp)
    return Response(headers={"Delta-Table-Version": str(version)})


@router.get(TABLE + "/metadata", summary="Table metadata (Delta Sharing)")
def table_metadata(
    share: str,
    schema: str,
    table: str,
    platform: PlatformDep,
    authorization: Auth = None,
    capabilities: Capabilities = None,
) -> Response:
    who = recipient(platform, authorization)
    return _lines(platform.sharing.metadata(who, share, schema, table, capabilities))


@router.post(TABLE + "/query", summary="Read a table: its data files as signed URLs (Delta Sharing)")
def query_table(
    share: str,
    schema: str,
    table: str,
    request: Request,
    platform: PlatformDep,
    authorization: Auth = None,
    capabilities: Capabilities = None,
    body: Annotated[dict[str, Any] | None, Body()] = None,
) -> Response:
    who = recipient(platform, authorization)
    endpoint = sharing_endpoint(platform, request)
    return _lines(platform.sharing.query(who, share, schema, table, body or {}, endpoint, capabilities))


def _time(text: str | None, field: str) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadRequest(f"{field} must be a timestamp such as 2026-01-31T12:00:00Z") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@router.get(
    TABLE + "/changes",
    summary="Change data feed (Delta Sharing)",
    description="Row changes between two versions (inclusive) of a table with `delta.enableChangeDataFeed=true`: "
    "`add` (inserts), `cdf` (update pre/post images, deletes and inserts of update/delete/merge) and `remove` "
    "(deletes) files. An end past the latest version reads up to the latest.",
)
def table_changes(
    share: str,
    schema: str,
    table: str,
    request: Request,
    platform: PlatformDep,
    authorization: Auth = None,
    capabilities: Capabilities = None,
    starting_version: Annotated[int | None, Query(alias="startingVersion", ge=0, le=MAX_INT64)] = None,
    ending_version: Annotated[int | None, Query(alias="endingVersion", ge=0, le=MAX_INT64)] = None,
    starting_timestamp: Annotated[str | None, Query(alias="startingTimestamp")] = None,
    ending_timestamp: Annotated[str | None, Query(alias="endingTimestamp")] = None,
    historical_metadata: Annotated[bool, Query(alias="includeHistoricalMetadata")] = False,
) -> Response:
    who = recipient(platform, authorization)
    asked = ChangeRange(
        starting_version=starting_version,
        ending_version=ending_version,
        starting_timestamp=_time(starting_timestamp, "startingTimestamp"),
        ending_timestamp=_time(ending_timestamp, "endingTimestamp"),
    )
    endpoint = sharing_endpoint(platform, request)
    feed = platform.sharing.changes(who, share, schema, table, asked, endpoint, capabilities, historical_metadata)
    return _lines(feed)


@router.api_route("/files/{token}", methods=["GET", "HEAD"], summary="Download a data file by its signed URL")
def download(token: str, request: Request, platform: PlatformDep) -> Response:
    served = platform.sharing.open_file(token)
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, no-store"}
    try:
        span = files.byte_range(request.headers.get("range"), served.size)
    except ValueError:
        return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{served.size}"})
    start, end = span if span is not None else (0, served.size - 1)
    headers["Content-Length"] = str(max(end - start + 1, 0))
    status = 200
    if span is not None:
        status, headers["Content-Range"] = 206, f"bytes {start}-{end}/{served.size}"
    if request.method == "HEAD" or served.size == 0:
        return Response(status_code=status, headers=headers, media_type="application/octet-stream")
    return StreamingResponse(
        files.read_chunks(served, start, end),
        status_code=status,
        headers=headers,
        media_type="application/octet-stream",
    )
