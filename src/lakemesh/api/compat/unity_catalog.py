"""Unity Catalog OSS REST (the read subset engines use) under `/api/2.1/unity-catalog`, over the open catalog.

catalog = domain, schema = lakehouse, table = table. Shapes follow `unitycatalog/unitycatalog` `api/all.yaml`;
errors are `{"error_code", "message", "details"}`. Only names and shapes are translated here.
"""

from __future__ import annotations

import functools
import json
import uuid
from typing import Any

import orjson
import pyarrow as pa
from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict

from lakemesh.api.compat.errors import CompatError
from lakemesh.api.deps import Caller, PlatformDep
from lakemesh.core.errors import InvalidInput
from lakemesh.domains.models import Domain
from lakemesh.lakehouses.browse import LakehouseListing
from lakemesh.opencatalog.service import Table
from lakemesh.storage.types import parse_type

router = APIRouter(tags=["unity-catalog"])
PAGE_DEFAULT = 1000  # the server's page length when max_results is absent or 0 (the spec lets the server choose)

_CODES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "UNIMPLEMENTED",
    409: "ALREADY_EXISTS",
    412: "FAILED_PRECONDITION",
    413: "RESOURCE_EXHAUSTED",
    415: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
}


def unity_error(status: int, code: str, message: str, details: list[dict[str, Any]] | None = None) -> JSONResponse:
    """Unity Catalog's error body; a field-level detail is appended to the message (clients print only that)."""
    error_code = _CODES.get(status, "INTERNAL")
    extra = "; ".join(d["message"] for d in details or [] if d.get("message") and d["message"] not in message)
    body = {
        "error_code": error_code,
        "message": f"{message} ({extra})" if extra else message,
        "details": [{"@type": "google.rpc.ErrorInfo", "reason": error_code, "metadata": {"request_id": _rid()}}],
    }
    headers = {"WWW-Authenticate": 'Bearer realm="lakemesh"'} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def _rid() -> str:
    return str(uuid.uuid4())


class TableCredentialsRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    table_id: str
    operation: str


def _page_size(max_results: int | None) -> int:
    if max_results is not None and max_results < 0:
        raise CompatError(400, "INVALID_ARGUMENT", "max_results must be 0 or more (0: the server's page length)")
    return min(max_results or PAGE_DEFAULT, PAGE_DEFAULT)


MaxResults = Query(default=None, description="Page length; 0 or absent: 1000 (the server's maximum).")
PageToken = Query(default=None, description="`next_page_token` of the previous page.")


# -- catalogs ----------------------------------------------------------------------------------------
@router.get("/catalogs", summary="List catalogs (domains)")
def list_catalogs(
    platform: PlatformDep, caller: Caller, max_results: int | None = MaxResults, page_token: str | None = PageToken
) -> Any:
    page = platform.open_catalog.catalogs(caller, limit=min(_page_size(max_results), 500), token=page_token)
    return _listing("catalogs", [_catalog(d) for d in page.items], page.next_cursor)


@router.get("/catalogs/{name}", summary="Get a catalog (domain)")
def get_catalog(name: str, platform: PlatformDep, caller: Caller) -> Any:
    return _catalog(platform.open_catalog.catalog(caller, name))


# -- schemas -----------------------------------------------------------------------------------------
@router.get("/schemas", summary="List schemas (lakehouses)")
def list_schemas(
    platform: PlatformDep,
    caller: Caller,
    catalog_name: str = Query(),
    max_results: int | None = MaxResults,
    page_token: str | None = PageToken,
) -> Any:
    page = platform.open_catalog.schemas(caller, catalog_name, limit=_page_size(max_results), token=page_token)
    return _listing("schemas", [_schema(s) for s in page.items], page.next_cursor)


@router.get("/schemas/{full_name}", summary="Get a schema (lakehouse)")
def get_schema(full_name: str, platform: PlatformDep, caller: Caller) -> Any:
    catalog, schema = _split(full_name, 2, "schema")
    return _schema(platform.open_catalog.schema(caller, catalog, schema))


# -- tables ------------------------------------------------------------------------------------------
@router.get("/tables", summary="List tables")
def list_tables(
    platform: PlatformDep,
    caller: Caller,
    catalog_name: str = Query(),
    schema_name: str = Query(),
    max_results: int | None = MaxResults,
    page_token: str | None = PageToken,
) -> Any:
    size = _page_size(max_results)
    page = platform.open_catalog.tables(caller, catalog_name, schema_name, limit=size, token=page_token)
    return _listing("tables", [_table(t) for t in page.items], page.next_cursor)


@router.get("/tables/{full_name}", summary="Get a table")
def get_table(full_name: str, platform: PlatformDep, caller: Caller) -> Any:
    catalog, schema, name = _split(full_name, 3, "table")
    return _table(platform.open_catalog.table(caller, catalog, schema, name))


# -- credentials -------------------------------------------------------------------------------------
@router.post("/temporary-table-credentials", summary="Generate temporary table credentials (READ only)")
def temporary_table_credentials(spec: TableCredentialsRequest, platform: PlatformDep, caller: Caller) -> Any:
    vended = platform.open_catalog.table_credentials(caller, spec.table_id, spec.operation.strip().upper())
    body: dict[str, Any] = {"expiration_time": int(vended.expires_at.timestamp() * 1000), "url": vended.url}
    if vended.access_key_id is not None:
        body["aws_temp_credentials"] = {
            "access_key_id": vended.access_key_id,
            "secret_access_key": vended.secret_access_key,
            "session_token": vended.session_token,
        }
    return body


# -- shapes ------------------------------------------------------------------------------------------
def _listing(key: str, items: list[dict[str, Any]], cursor: str | None) -> Response:
    """Encoded with orjson: a page of 1,000 tables with their columns took the standard encoder ~30 ms."""
    body: dict[str, Any] = {key: items}
    if cursor:
        body["next_page_token"] = cursor
    return Response(orjson.dumps(body), media_type="application/json")


def _split(full_name: str, parts: int, kind: str) -> list[str]:
    names = full_name.split(".")
    if len(names) != parts or not all(n.strip() for n in names):
        form = "catalog.schema" if parts == 2 else "catalog.schema.table"
        raise CompatError(400, "INVALID_ARGUMENT", f"{kind} full_name must be {form}, got {full_name!r}")
    return names


def _ms(value: Any) -> int:
    return int(value.timestamp() * 1000)


def _catalog(domain: Domain) -> dict[str, Any]:
    return {
        "name": domain.slug,
        "comment": domain.description or domain.display_name or domain.name,
        "properties": {"lakemesh.kind": "domain", "lakemesh.display_name": domain.display_name or domain.name},
        "owner": domain.owner,
        "created_at": _ms(domain.created_at),
        "updated_at": _ms(domain.updated_at),
        "id": domain.id,
    }


def _schema(lakehouse: LakehouseListing) -> dict[str, Any]:
    return {
        "name": lakehouse.name,
        "catalog_name": lakehouse.domain,
        "full_name": f"{lakehouse.domain}.{lakehouse.name}",
        "comment": lakehouse.description,
        "properties": {"lakemesh.kind": "lakehouse"},
        "created_by": lakehouse.created_by,
        "created_at": _ms(lakehouse.created_at),
        "updated_at": _ms(lakehouse.updated_at),
        "schema_id": lakehouse.id,
    }


def _table(table: Table) -> dict[str, Any]:
    listed = table.listing
    partitions = [p.lower() for p in listed.partition_columns]
    properties = {str(k): str(v) for k, v in listed.properties.items()}
    properties["lakemesh.qualified_name"] = f"{listed.domain}.{listed.lakehouse}.{listed.name}"
    if listed.reads is not None:
        properties["lakemesh.shortcut_target"] = listed.reads
    return {
        "name": listed.name,
        "catalog_name": listed.domain,
        "schema_name": listed.lakehouse,
        "table_type": "EXTERNAL",
        "data_source_format": "DELTA",
        "columns": [_column(c, i, partitions) for i, c in enumerate(listed.columns)],
        "storage_location": table.location,
        "comment": listed.description or None,
        "properties": properties,
        "owner": listed.owner,
        "created_at": _ms(listed.created_at),
        "created_by": listed.created_by,
        "updated_at": _ms(listed.updated_at),
        "table_id": listed.id,
    }


def _column(column: dict[str, Any], position: int, partitions: list[str]) -> dict[str, Any]:
    name, nullable = str(column["name"]), bool(column.get("nullable", True))
    type_name, type_text, spark, precision, scale = _type_of(str(column.get("type", "string")))
    # type_json is the Delta/Spark StructField; written out directly (listing 10k tables shapes 10k+ of them)
    field_json = (
        f'{{"name": {json.dumps(name)}, "type": "{spark}", "nullable": {str(nullable).lower()}, "metadata": {{}}}}'
    )
    shown: dict[str, Any] = {
        "name": name,
        "type_text": type_text,
        "type_json": field_json,
        "type_name": type_name,
        "position": position,
        "nullable": nullable,
        "comment": column.get("description") or None,
    }
    if precision is not None:
        shown["type_precision"], shown["type_scale"] = precision, scale
    if partitions and name.lower() in partitions:
        shown["partition_index"] = partitions.index(name.lower())
    return shown


@functools.lru_cache(maxsize=256)
def _type_of(text: str) -> tuple[str, str, str, int | None, int | None]:
    """(type_name, type_text, Spark JSON type, precision, scale) of a catalog column type; unknown types as string."""
    try:
        data_type = parse_type(text)
    except InvalidInput:
        data_type = pa.string()
    type_name, type_text = _uc_type(data_type)
    if pa.types.is_decimal(data_type):
        return type_name, type_text, spark_type(data_type), data_type.precision, data_type.scale
    return type_name, type_text, spark_type(data_type), None, None


_PRIMITIVES: list[tuple[Any, str, str, str]] = [
    # (predicate, UC type_name, type_text, Spark JSON type)
    (pa.types.is_boolean, "BOOLEAN", "boolean", "boolean"),
    (pa.types.is_int8, "BYTE", "tinyint", "byte"),
    (pa.types.is_int16, "SHORT", "smallint", "short"),
    (pa.types.is_int32, "INT", "int", "integer"),
    (pa.types.is_int64, "LONG", "bigint", "long"),
    (pa.types.is_float32, "FLOAT", "float", "float"),
    (pa.types.is_float64, "DOUBLE", "double", "double"),
    (pa.types.is_date, "DATE", "date", "date"),
    (lambda t: pa.types.is_string(t) or pa.types.is_large_string(t), "STRING", "string", "string"),
    (lambda t: pa.types.is_binary(t) or pa.types.is_large_binary(t), "BINARY", "binary", "binary"),
]


def _uc_type(data_type: pa.DataType) -> tuple[str, str]:
    if pa.types.is_timestamp(data_type):
        return ("TIMESTAMP", "timestamp") if data_type.tz else ("TIMESTAMP_NTZ", "timestamp_ntz")
    if pa.types.is_decimal(data_type):
        return "DECIMAL", f"decimal({data_type.precision},{data_type.scale})"
    for test, name, text, _ in _PRIMITIVES:
        if test(data_type):
            return name, text
    return "STRING", "string"


def spark_type(data_type: pa.DataType) -> Any:
    """The Delta (Spark) JSON type of an Arrow type, as `type_json` carries it."""
    if pa.types.is_timestamp(data_type):
        return "timestamp" if data_type.tz else "timestamp_ntz"
    if pa.types.is_decimal(data_type):
        return f"decimal({data_type.precision},{data_type.scale})"
    for test, _, _, spark in _PRIMITIVES:
        if test(data_type):
            return spark
    return "string"
