"""Purview's Atlas v2 entities: `DataProduct` entities are Lakemesh data products (the seed's registration)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from lakemesh.api.compat.errors import CompatError, not_supported
from lakemesh.api.deps import Caller, PlatformDep
from lakemesh.auth.models import Principal
from lakemesh.core.errors import Conflict, NotFound, invalid
from lakemesh.core.ids import uuid_of
from lakemesh.core.pages import MAX_LIMIT
from lakemesh.core.validation import parse_model
from lakemesh.lakehouses.models import TableInfo
from lakemesh.platform import Platform
from lakemesh.products.from_document import create_from_document
from lakemesh.products.models import ProductPatch
from lakemesh.products.views import DataProduct

router = APIRouter(tags=["purview"])
TYPE = "DataProduct"
TABLE = "Table"  # Lakemesh tables, readable (not writable) as Atlas entities
_JSON_ATTRIBUTES = ("contract", "storage", "quality_rules", "tags", "input_ports", "output_ports")


class Entity(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type_name: str = Field(alias="typeName")
    guid: str | int | None = None  # clients send negative placeholders as numbers or strings
    attributes: dict[str, Any] = Field(default_factory=dict)


class EntityWithExtInfo(BaseModel):
    model_config = ConfigDict(extra="ignore")

    entity: Entity


class EntitiesWithExtInfo(BaseModel):
    model_config = ConfigDict(extra="ignore")

    entities: list[Entity] = Field(min_length=1, max_length=100)


@router.post("/entity", summary="Create or update an entity (DataProduct)")
def create_or_update(spec: EntityWithExtInfo, platform: PlatformDep, caller: Caller) -> Any:
    return _mutations(platform, caller, [spec.entity])


@router.post("/entity/bulk", summary="Create or update entities (DataProduct)")
def create_or_update_bulk(spec: EntitiesWithExtInfo, platform: PlatformDep, caller: Caller) -> Any:
    return _mutations(platform, caller, spec.entities)


@router.get("/entity/guid/{guid}", summary="Get an entity by guid (DataProduct or Table)")
def get_by_guid(guid: str, platform: PlatformDep, caller: Caller) -> Any:
    return {"entity": _entity_by_guid(platform, caller, guid), "referredEntities": {}}


@router.get("/entity/uniqueAttribute/type/{type_name}", summary="Get an entity by qualifiedName")
def get_by_qualified_name(
    type_name: str,
    platform: PlatformDep,
    caller: Caller,
    qualified_name: str = Query(alias="attr:qualifiedName"),
) -> Any:
    return {"entity": _entity_by_name(platform, caller, type_name, qualified_name), "referredEntities": {}}


@router.get("/entity/bulk", summary="Get entities by guid (`?guid=a&guid=b`)")
def get_bulk_by_guid(
    platform: PlatformDep, caller: Caller, guid: Annotated[list[str], Query(min_length=1, max_length=100)]
) -> Any:
    """As Atlas: the entities found; a guid that is missing or hidden from you is left out."""
    return {"entities": _found(lambda g: _entity_by_guid(platform, caller, g), guid), "referredEntities": {}}


@router.get("/entity/bulk/uniqueAttribute/type/{type_name}", summary="Get entities by qualifiedName")
def get_bulk_by_qualified_name(type_name: str, request: Request, platform: PlatformDep, caller: Caller) -> Any:
    """`?attr_0:qualifiedName=a&attr_1:qualifiedName=b` (what pyapacheatlas sends)."""
    names = [v for k, v in request.query_params.multi_items() if k.endswith(":qualifiedName")][:100]
    if not names:
        raise CompatError(400, "ATLAS-400-00-001", "attr_0:qualifiedName is required")
    found = _found(lambda n: _entity_by_name(platform, caller, type_name, n), names)
    return {"entities": found, "referredEntities": {}}


@router.delete("/entity/guid/{guid}", summary="Delete an entity by guid")
def delete_by_guid(guid: str, platform: PlatformDep, caller: Caller) -> Any:
    if _table_by_guid(platform, caller, guid) is not None:
        raise not_supported("Deleting a Table entity (tables are deleted natively, with their data)")
    product = _by_guid(platform, caller, guid)
    platform.products.delete(caller, product.domain, product.slug)
    return {"mutatedEntities": {"DELETE": [_header(product)]}}


# -- helpers ---------------------------------------------------------------------------------------
def _entity_by_guid(platform: Platform, caller: Principal, guid: str) -> dict[str, Any]:
    table = _table_by_guid(platform, caller, guid)
    return _table_entity(table) if table is not None else _entity(_by_guid(platform, caller, guid))


def _entity_by_name(platform: Platform, caller: Principal, type_name: str, qualified_name: str) -> dict[str, Any]:
    if type_name == TABLE:
        return _table_entity(_table_by_name(platform, caller, qualified_name))
    _check_type(type_name)
    domain, _, name = qualified_name.partition("/")
    return _entity(platform.products.get(caller, domain, name))


def _found(get: Callable[[str], dict[str, Any]], keys: list[str]) -> list[dict[str, Any]]:
    found = []
    for key in keys:
        try:
            found.append(get(key))
        except NotFound:
            continue
        except CompatError as exc:
            if exc.status != 404:
                raise
    return found


def _check_type(type_name: str) -> None:
    if type_name != TYPE:
        raise CompatError(
            400, "ATLAS-400-00-010", f"Type {type_name!r} is not supported by Lakemesh: only {TYPE} entities"
        )


def _mutations(platform: Platform, caller: Principal, entities: list[Entity]) -> dict[str, Any]:
    for entity in entities:  # every type checked first: nothing is half-registered
        _check_type(entity.type_name)
    created: list[dict[str, Any]] = []
    updated: list[dict[str, Any]] = []
    assignments: dict[str, str] = {}
    for entity in entities:
        product, was_created = _register(platform, caller, _document(entity.attributes))
        (created if was_created else updated).append(_header(product))
        if entity.guid:
            assignments[str(entity.guid)] = uuid_of(product.id)
    mutated = {key: value for key, value in (("CREATE", created), ("UPDATE", updated)) if value}
    return {"mutatedEntities": mutated, "guidAssignments": assignments}


def _document(attributes: dict[str, Any]) -> dict[str, Any]:
    """The seed's product dict back from its entity: JSON-string attributes parsed, domain from qualifiedName."""
    document: dict[str, Any] = {}
    for key, given in attributes.items():
        document[key] = _parsed(key, given) if key in _JSON_ATTRIBUTES and isinstance(given, str) else given
    qualified = str(document.pop("qualifiedName", "") or "")
    if "domain" not in document and "/" in qualified:
        document["domain"] = qualified.split("/", 1)[0]
    return document


def _parsed(key: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise invalid(("attributes", key), "must be JSON (a string holding an object or list)") from None


def _register(platform: Platform, caller: Principal, document: dict[str, Any]) -> tuple[DataProduct, bool]:
    try:
        return create_from_document(platform.products, caller, document), True
    except Conflict:
        changes = {k: v for k, v in document.items() if k not in {"name", "domain"}}
        patch = parse_model(ProductPatch, changes)
        return platform.products.update(caller, str(document["domain"]), str(document["name"]), patch), False


def _by_guid(platform: Platform, caller: Principal, guid: str) -> DataProduct:
    page = platform.products.list_products(caller, limit=MAX_LIMIT)
    while True:
        for product in page.items:
            if uuid_of(product.id) == guid.lower() or product.id == guid:
                return product
        if not page.next_cursor:
            raise CompatError(404, "ATLAS-404-00-005", f"Given instance guid {guid} is invalid/not found")
        page = platform.products.list_products(caller, limit=MAX_LIMIT, cursor=page.next_cursor)


def _header(product: DataProduct) -> dict[str, Any]:
    return {
        "typeName": TYPE,
        "guid": uuid_of(product.id),
        "status": "ACTIVE",
        "displayText": product.name,
        "attributes": {"qualifiedName": product.qualified_name, "name": product.name},
    }


def _entity(product: DataProduct) -> dict[str, Any]:
    return {
        "typeName": TYPE,
        "guid": uuid_of(product.id),
        "status": "ACTIVE",
        "attributes": {
            "name": product.name,
            "qualifiedName": product.qualified_name,
            "description": product.description,
            "owner": product.owner,
            "domain": product.domain,
            "contract": json.dumps(product.contract),
            "storage": json.dumps(product.storage),
            "status": product.status,
            "version": product.version,
        },
        "createTime": int(product.created_at.timestamp() * 1000),
        "updateTime": int(product.updated_at.timestamp() * 1000),
    }


def _table_by_guid(platform: Platform, caller: Principal, guid: str) -> TableInfo | None:
    """The table with this GUID, None when no table has it (then it may be a product's); hidden is not found."""
    try:
        return platform.tables.get_by_id(caller, guid)
    except NotFound:
        return None


def _table_by_name(platform: Platform, caller: Principal, qualified_name: str) -> TableInfo:
    """`<domain>.<lakehouse>.<table>` (Lakemesh's qualified name; `/` separators work too)."""
    parts = qualified_name.replace("/", ".").split(".")
    if len(parts) != 3 or not all(parts):
        raise CompatError(
            404, "ATLAS-404-00-009", f"Instance Table with unique attribute qualifiedName={qualified_name} not found"
        )
    try:
        return platform.tables.get(caller, *parts)
    except NotFound:
        raise CompatError(
            404, "ATLAS-404-00-009", f"Instance Table with unique attribute qualifiedName={qualified_name} not found"
        ) from None


def _table_entity(table: TableInfo) -> dict[str, Any]:
    columns = [
        {"name": c.name, "type": c.type, "description": c.description, "sensitivityLabel": c.sensitivity_label}
        for c in table.columns
    ]
    created = int(table.created_at.timestamp() * 1000)
    updated = int(table.last_refresh.timestamp() * 1000) if table.last_refresh else created
    return {
        "typeName": TABLE,
        "guid": uuid_of(table.id),
        "status": "ACTIVE",
        "attributes": {
            "name": table.name,
            "qualifiedName": table.qualified_name,
            "description": table.description,
            "domain": table.domain,
            "lakehouse": table.lakehouse,
            "layer": table.layer,
            "columns": columns,
            "rowCount": table.row_count,
            "retentionDays": table.retention_days,
            "shortcutTarget": table.shortcut_target,
        },
        "createdBy": table.created_by,
        "createTime": created,
        "updateTime": updated,
    }
