"""Lakehouses of a domain and the tables in them (metadata; data is in routes/table_data.py)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from lakemesh.api.deps import Caller, IfMatch, PlatformDep
from lakemesh.core.pages import Page
from lakemesh.lakehouses.models import Lakehouse, LakehouseCreate, LakehouseUpdate, TableCreate, TableInfo, TableUpdate

router = APIRouter(prefix="/api/v1/domains/{domain}/lakehouses", tags=["lakehouses"])


@router.get("", summary="List a domain's lakehouses")
def list_lakehouses(domain: str, platform: PlatformDep, caller: Caller) -> Page[Lakehouse]:
    return Page(items=platform.lakehouses.list(caller, domain))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a lakehouse",
    description="With `template`, the lakehouse takes the template's layers, retention and auto-vacuum, and the "
    "template's governance requirements (data steward, documentation) are checked: 422 lists what is missing.",
)
def create_lakehouse(
    domain: str, spec: LakehouseCreate, platform: PlatformDep, caller: Caller, response: Response
) -> Lakehouse:
    lakehouse = platform.lakehouses.create(caller, domain, spec)
    response.headers["ETag"] = lakehouse.etag
    return lakehouse


@router.get("/{lakehouse}", summary="Get a lakehouse")
def get_lakehouse(domain: str, lakehouse: str, platform: PlatformDep, caller: Caller, response: Response) -> Lakehouse:
    found = platform.lakehouses.get(caller, domain, lakehouse)
    response.headers["ETag"] = found.etag
    return found


@router.patch("/{lakehouse}", summary="Update a lakehouse")
def update_lakehouse(
    domain: str,
    lakehouse: str,
    changes: LakehouseUpdate,
    platform: PlatformDep,
    caller: Caller,
    if_match: IfMatch = None,
) -> Lakehouse:
    return platform.lakehouses.update(caller, domain, lakehouse, changes, if_match=if_match)


@router.get("/{lakehouse}/tables", summary="List tables", description="From the catalog; GET a table for live figures.")
def list_tables(domain: str, lakehouse: str, platform: PlatformDep, caller: Caller) -> Page[TableInfo]:
    return Page(items=platform.tables.list(caller, domain, lakehouse))


@router.post(
    "/{lakehouse}/tables",
    status_code=status.HTTP_201_CREATED,
    summary="Create a table from a schema",
    description="The layer comes from a `bronze_`/`silver_`/`gold_` name prefix unless given. "
    "Tables are also created by their first write.",
)
def create_table(domain: str, lakehouse: str, spec: TableCreate, platform: PlatformDep, caller: Caller) -> TableInfo:
    return platform.tables.create(caller, domain, lakehouse, spec)


@router.get(
    "/{lakehouse}/tables/{table}",
    summary="Get a table",
    description="Schema, layer, version, row count, size, last refresh and properties, read live from the Delta log.",
)
def get_table(domain: str, lakehouse: str, table: str, platform: PlatformDep, caller: Caller) -> TableInfo:
    return platform.tables.get(caller, domain, lakehouse, table)


@router.patch(
    "/{lakehouse}/tables/{table}",
    summary="Update a table's layer, description, column descriptions and sensitivity labels",
)
def update_table(
    domain: str, lakehouse: str, table: str, changes: TableUpdate, platform: PlatformDep, caller: Caller
) -> TableInfo:
    return platform.tables.update(caller, domain, lakehouse, table, changes)


@router.delete(
    "/{lakehouse}/tables/{table}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a table and its data",
)
def delete_table(domain: str, lakehouse: str, table: str, platform: PlatformDep, caller: Caller) -> Response:
    platform.tables.delete(caller, domain, lakehouse, table)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
