"""Table data in and out (Arrow, Parquet, CSV, JSON lines), history, maintenance, and the Files area."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from lakemesh.api.deps import Caller, PlatformDep
from lakemesh.api.limits import HeavySlot, upload_limit
from lakemesh.api.uploads import spooled_body
from lakemesh.core.errors import invalid
from lakemesh.core.pages import Page
from lakemesh.core.validation import MAX_INT64
from lakemesh.lakehouses.models import CommitInfo, FileInfo, OptimizeResult, VacuumResult, WriteResult
from lakemesh.storage import arrowio

router = APIRouter(prefix="/api/v1/domains/{domain}/lakehouses/{lakehouse}", tags=["table data"])

RAW_BODY_PATHS = [r"/lakehouses/[^/]+/tables/[^/]+/data$", r"/lakehouses/[^/]+/files/.+"]

_DATA_BODY = {
    "requestBody": {
        "description": "Arrow IPC stream, Parquet, CSV or JSON lines, by Content-Type.",
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}} for media in arrowio.OUTPUT_TYPES.values()
        },
    }
}


@router.post(
    "/tables/{table}/data",
    summary="Write data to a table",
    dependencies=[HeavySlot],
    description="Streams the body to disk, checks it against the table's schema (and the contract of a product "
    "bound to the table), then commits one Delta version. A mismatch is a 422 listing each column; a corrupt body "
    "is a 400; in both cases nothing is written. The first write creates the table.",
    openapi_extra=_DATA_BODY,
)
async def write_data(
    domain: str,
    lakehouse: str,
    table: str,
    request: Request,
    platform: PlatformDep,
    caller: Caller,
    mode: Literal["append", "overwrite"] = "append",
    schema_mode: Annotated[Literal["merge", "overwrite"] | None, Query(description="Evolve the schema.")] = None,
    merge_keys: Annotated[str | None, Query(description="Comma-separated key columns: upsert instead.")] = None,
    commit_metadata: Annotated[
        str | None, Query(description="A JSON object of string pairs kept with the commit (shown in history).")
    ] = None,
) -> WriteResult:
    fmt = arrowio.input_format(request.headers.get("content-type"))
    metadata = _metadata(commit_metadata)
    keys = [k.strip() for k in merge_keys.split(",") if k.strip()] if merge_keys else None
    limit = await run_in_threadpool(upload_limit, platform, caller, domain, lakehouse)
    async with spooled_body(request, limit.bytes, limit.message) as path:

        def write() -> WriteResult:
            reader = arrowio.open_reader(path, fmt)
            return platform.table_data.write(
                caller,
                domain,
                lakehouse,
                table,
                reader,
                mode=mode,
                schema_mode=schema_mode,
                merge_keys=keys,
                commit_metadata=metadata,
            )

        return await run_in_threadpool(write)


def _metadata(text: str | None) -> dict[str, str] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        raise invalid("commit_metadata", "must be a JSON object of string pairs") from None
    if not isinstance(value, dict):
        raise invalid("commit_metadata", "must be a JSON object of string pairs")
    return value


@router.get(
    "/tables/{table}/data",
    summary="Read a table's data",
    description="Streams the rows as `format` (arrow, parquet, csv, json = JSON lines). Time travel with `version` "
    "or `timestamp`; a version whose files were vacuumed is a 410.",
    response_class=Response,
    responses={200: {"content": {m: {} for m in arrowio.OUTPUT_TYPES.values()}}},
)
def read_data(
    domain: str,
    lakehouse: str,
    table: str,
    platform: PlatformDep,
    caller: Caller,
    format: Literal["arrow", "parquet", "csv", "json"] = "arrow",
    version: Annotated[int | None, Query(ge=0, le=MAX_INT64)] = None,
    timestamp: datetime | None = None,
    limit: Annotated[int | None, Query(ge=0, le=MAX_INT64)] = None,
    columns: Annotated[str | None, Query(description="Comma-separated column names.")] = None,
) -> StreamingResponse:
    names = [c.strip() for c in columns.split(",") if c.strip()] if columns else None
    reader = platform.table_data.read(
        caller, domain, lakehouse, table, version=version, timestamp=timestamp, columns=names, limit=limit
    )
    return StreamingResponse(arrowio.encode(reader, format), media_type=arrowio.OUTPUT_TYPES[format])


@router.get("/tables/{table}/history", summary="A table's commits, newest first")
def history(
    domain: str,
    lakehouse: str,
    table: str,
    platform: PlatformDep,
    caller: Caller,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> Page[CommitInfo]:
    return Page(items=platform.table_data.history(caller, domain, lakehouse, table, limit=limit))


class VacuumRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    retention_hours: int | None = None
    dry_run: bool = False
    force: bool = False


@router.post(
    "/tables/{table}/vacuum",
    summary="Remove files no longer needed",
    description="Keeps every version within the lakehouse's retention; below it only a platform admin with "
    "`force` may go.",
)
def vacuum(
    domain: str, lakehouse: str, table: str, platform: PlatformDep, caller: Caller, body: VacuumRequest | None = None
) -> VacuumResult:
    spec = body or VacuumRequest()
    return platform.table_data.vacuum(
        caller,
        domain,
        lakehouse,
        table,
        retention_hours=spec.retention_hours,
        dry_run=spec.dry_run,
        force=spec.force,
    )


@router.post("/tables/{table}/optimize", summary="Compact small files")
def optimize(domain: str, lakehouse: str, table: str, platform: PlatformDep, caller: Caller) -> OptimizeResult:
    return platform.table_data.optimize(caller, domain, lakehouse, table)


@router.get("/files", summary="List raw files")
def list_files(domain: str, lakehouse: str, platform: PlatformDep, caller: Caller, prefix: str = "") -> Page[FileInfo]:
    return Page(items=platform.files.list(caller, domain, lakehouse, prefix))


@router.put(
    "/files/{path:path}",
    status_code=status.HTTP_201_CREATED,
    summary="Upload a raw file",
    dependencies=[HeavySlot],
    description="Any content; streamed to storage. Paths stay inside the Files area (no `..`, no absolute paths).",
)
async def upload_file(
    domain: str, lakehouse: str, path: str, request: Request, platform: PlatformDep, caller: Caller
) -> FileInfo:
    limit = await run_in_threadpool(upload_limit, platform, caller, domain, lakehouse)
    async with spooled_body(request, limit.bytes, limit.message) as body_path:

        def upload() -> FileInfo:
            with body_path.open("rb") as body:
                return platform.files.upload(caller, domain, lakehouse, path, body)

        return await run_in_threadpool(upload)


@router.get("/files/{path:path}", summary="Download a raw file", response_class=Response)
def download_file(domain: str, lakehouse: str, path: str, platform: PlatformDep, caller: Caller) -> StreamingResponse:
    info, chunks = platform.files.download(caller, domain, lakehouse, path)
    return StreamingResponse(
        chunks, media_type="application/octet-stream", headers={"Content-Length": str(info.size_bytes)}
    )


@router.delete("/files/{path:path}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a raw file")
def delete_file(domain: str, lakehouse: str, path: str, platform: PlatformDep, caller: Caller) -> Response:
    platform.files.delete(caller, domain, lakehouse, path)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
