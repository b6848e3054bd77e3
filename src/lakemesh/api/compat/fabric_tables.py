"""Fabric lakehouse tables: list, and load a file of `Files/` into a table as a long-running operation.

Lakemesh runs the load within the request (one Delta commit, or nothing): a refused load answers its error
at once; a load that succeeded answers Fabric's `202` with `Location` and `x-ms-operation-id`, whose
operation is already `Succeeded`. Operations are kept by the server that ran them (24h, the last 1000).
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from lakemesh.api.compat import fabric_shapes as shapes
from lakemesh.api.compat.errors import CompatError
from lakemesh.api.deps import Caller, PlatformDep
from lakemesh.api.limits import HeavySlot
from lakemesh.lakehouses.loads import SUFFIXES, FileLoad, LoadFormat, load_files
from lakemesh.lakehouses.models import WriteResult

router = APIRouter(tags=["fabric"])
KEPT = 1000
KEPT_FOR = timedelta(hours=24)


class FormatOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")

    format: Literal["Csv", "Parquet", "csv", "parquet", "CSV", "PARQUET"] | None = None
    header: bool = True
    delimiter: str = Field(default=",", min_length=1, max_length=1)


class LoadTableRequest(BaseModel):
    """Fabric's body: `relativePath` under `Files/`, `pathType`, `mode`, `recursive`, `formatOptions`."""

    model_config = ConfigDict(extra="ignore")

    relative_path: str = Field(alias="relativePath", min_length=1, max_length=1024)
    path_type: Literal["File", "Folder"] = Field(default="File", alias="pathType")
    file_extension: str | None = Field(default=None, alias="fileExtension", max_length=16)
    mode: Literal["Overwrite", "Append", "overwrite", "append"] = "Overwrite"
    recursive: bool = False
    format_options: FormatOptions = Field(default_factory=FormatOptions, alias="formatOptions")


@dataclass
class Operation:
    id: str
    principal_id: str
    created: datetime
    result: WriteResult


class Operations:
    """The finished operations this server answered `202` for, each visible only to whoever started it."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, Operation] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, principal_id: str, result: WriteResult) -> Operation:
        operation = Operation(str(uuid.uuid4()), principal_id, datetime.now(UTC), result)
        with self._lock:
            self._items[operation.id] = operation
            while len(self._items) > KEPT:
                self._items.popitem(last=False)
        return operation

    def get(self, principal_id: str, operation_id: str) -> Operation:
        with self._lock:
            found = self._items.get(operation_id.lower())
        if found is None or found.principal_id != principal_id or datetime.now(UTC) - found.created > KEPT_FOR:
            raise CompatError(404, "OperationNotFound", f"The operation {operation_id} was not found")
        return found


@router.get("/workspaces/{workspace_id}/lakehouses/{item_id}/tables", summary="List lakehouse tables")
def list_tables(workspace_id: str, item_id: str, platform: PlatformDep, caller: Caller) -> Any:
    domain = platform.domains.get(caller, workspace_id)
    item = platform.lakehouses.get(caller, domain.slug, item_id)
    tables = platform.tables.list(caller, domain.slug, item.name)
    # Fabric's list-tables answer says `data`, not `value`.
    return {"data": [shapes.table(t, item.location) for t in tables], "continuationToken": None}


@router.post(
    "/workspaces/{workspace_id}/lakehouses/{item_id}/tables/{table_name}/load",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[HeavySlot],
    summary="Load a file or folder of Files/ into a table",
)
def load_table(
    workspace_id: str,
    item_id: str,
    table_name: str,
    spec: LoadTableRequest,
    request: Request,
    platform: PlatformDep,
    caller: Caller,
) -> Response:
    domain = platform.domains.get(caller, workspace_id)
    item = platform.lakehouses.get(caller, domain.slug, item_id)
    load = FileLoad(
        path=_files_path(spec.relative_path),
        format=_format(spec),
        mode="overwrite" if spec.mode.lower() == "overwrite" else "append",
        folder=spec.path_type == "Folder",
        recursive=spec.recursive,
        header=spec.format_options.header,
        delimiter=spec.format_options.delimiter,
        extension=spec.file_extension,
    )
    result = load_files(platform.files, platform.table_data, caller, domain.slug, item.name, table_name, load)
    operations: Operations = request.app.state.fabric_operations
    operation = operations.add(caller.id, result)
    location = str(request.url_for("get_operation", operation_id=operation.id))
    headers = {"Location": location, "x-ms-operation-id": operation.id, "Retry-After": "0"}
    return Response(status_code=status.HTTP_202_ACCEPTED, headers=headers)


@router.get("/operations/{operation_id}", summary="Get a long-running operation's state")
def get_operation(operation_id: str, request: Request, caller: Caller, response: Response) -> Any:
    operation = _operations(request).get(caller.id, operation_id)
    at = operation.created.isoformat().replace("+00:00", "Z")
    response.headers["Location"] = str(request.url_for("get_operation_result", operation_id=operation.id))
    response.headers["x-ms-operation-id"] = operation.id
    return {
        "id": operation.id,
        "status": "Succeeded",
        "createdTimeUtc": at,
        "lastUpdatedTimeUtc": at,
        "percentComplete": 100,
        "error": None,
    }


@router.get("/operations/{operation_id}/result", summary="Get a long-running operation's result")
def get_operation_result(operation_id: str, request: Request, caller: Caller) -> Any:
    result = _operations(request).get(caller.id, operation_id).result
    return {
        "tableName": result.table,
        "version": result.version,
        "mode": result.mode,
        "rowsWritten": result.rows_written,
        "warnings": result.warnings,
    }


def _operations(request: Request) -> Operations:
    operations: Operations = request.app.state.fabric_operations
    return operations


def _files_path(relative_path: str) -> str:
    """`Files/...` as Fabric writes it; the load reads only the lakehouse's Files area."""
    area, _, rest = relative_path.strip().lstrip("/").partition("/")
    if area.lower() != "files":
        raise CompatError(400, "InvalidInput", "relativePath must be under Files/, e.g. Files/raw/customers.csv")
    return rest


def _format(spec: LoadTableRequest) -> LoadFormat:
    """From `formatOptions.format`, else from the file's extension."""
    if spec.format_options.format is not None:
        return "csv" if spec.format_options.format.lower() == "csv" else "parquet"
    for fmt, suffixes in SUFFIXES.items():
        if spec.relative_path.lower().endswith(suffixes):
            return fmt
    raise CompatError(400, "InvalidInput", "formatOptions.format is required (Csv or Parquet)")
