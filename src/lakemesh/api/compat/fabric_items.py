"""Fabric items, lakehouses, their tables and OneLake shortcuts, translated onto lakehouses and shortcuts."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field

from lakemesh.api.compat import fabric_shapes as shapes
from lakemesh.api.compat.errors import CompatError, not_supported
from lakemesh.api.deps import Caller, PlatformDep
from lakemesh.auth.models import Principal
from lakemesh.core.errors import Conflict, Forbidden, NotFound, invalid
from lakemesh.core.ids import uuid_of
from lakemesh.core.validation import parse_model
from lakemesh.lakehouses.models import Lakehouse, LakehouseCreate
from lakemesh.platform import Platform
from lakemesh.selfserve.models import DomainLakehouseRequest
from lakemesh.sharing.models import Shortcut, ShortcutCreate

router = APIRouter(prefix="/workspaces/{workspace_id}", tags=["fabric"])


class ItemCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    display_name: str = Field(alias="displayName")
    type: str = "Lakehouse"
    description: str = ""


class ShortcutRequest(BaseModel):
    """The real API's `{path: "Tables", name}` and the seed's `{path: "Tables/<name>"}` (no `name`)."""

    model_config = ConfigDict(extra="ignore")

    path: str
    name: str | None = None
    target: dict[str, Any]


@router.post("/items", status_code=status.HTTP_201_CREATED, summary="Create item (Lakehouse only)")
def create_item(workspace_id: str, spec: ItemCreate, platform: PlatformDep, caller: Caller) -> Any:
    if spec.type.lower() != "lakehouse":
        raise not_supported(f"Creating a {spec.type} item")
    return _create_lakehouse(platform, caller, workspace_id, spec)


@router.post("/lakehouses", status_code=status.HTTP_201_CREATED, summary="Create lakehouse")
def create_lakehouse(workspace_id: str, spec: ItemCreate, platform: PlatformDep, caller: Caller) -> Any:
    return _create_lakehouse(platform, caller, workspace_id, spec)


@router.get("/items", summary="List items (lakehouses)")
def list_items(
    request: Request, workspace_id: str, platform: PlatformDep, caller: Caller, type: str | None = Query(None)
) -> Any:
    domain = platform.domains.get(caller, workspace_id)
    wanted = type is None or type.lower() == "lakehouse"
    items = platform.lakehouses.list(caller, domain.slug) if wanted else []
    return shapes.page(request, [shapes.lakehouse(i, domain.id, properties=False) for i in items], None)


@router.get("/lakehouses", summary="List lakehouses")
def list_lakehouses(request: Request, workspace_id: str, platform: PlatformDep, caller: Caller) -> Any:
    domain = platform.domains.get(caller, workspace_id)
    items = platform.lakehouses.list(caller, domain.slug)
    return shapes.page(request, [shapes.lakehouse(i, domain.id) for i in items], None)


@router.get("/items/{item_id}", summary="Get item")
def get_item(workspace_id: str, item_id: str, platform: PlatformDep, caller: Caller) -> Any:
    domain = platform.domains.get(caller, workspace_id)
    return shapes.lakehouse(platform.lakehouses.get(caller, domain.slug, item_id), domain.id, properties=False)


@router.get("/lakehouses/{item_id}", summary="Get lakehouse")
def get_lakehouse(workspace_id: str, item_id: str, platform: PlatformDep, caller: Caller) -> Any:
    domain = platform.domains.get(caller, workspace_id)
    return shapes.lakehouse(platform.lakehouses.get(caller, domain.slug, item_id), domain.id)


# -- shortcuts -------------------------------------------------------------------------------------
@router.post("/items/{item_id}/shortcuts", status_code=status.HTTP_201_CREATED, summary="Create shortcut")
def create_shortcut(
    workspace_id: str,
    item_id: str,
    spec: ShortcutRequest,
    platform: PlatformDep,
    caller: Caller,
    conflict_policy: str | None = Query(default=None, alias="shortcutConflictPolicy"),
) -> Any:
    path = f"{spec.path.rstrip('/')}/{spec.name}" if spec.name else spec.path
    # The real API's target also says its `type` ("OneLake"), which Fabric's SDK always sends.
    target = {k: v for k, v in spec.target.items() if not (k == "type" and str(v).lower() == "onelake")}
    if set(target) - {"oneLake"}:
        raise not_supported(f"A shortcut target of type {sorted(set(spec.target) - {'oneLake'})}")
    replace = (conflict_policy or "").lower() in {"createoroverwrite", "overwriteonly"}
    create = parse_model(ShortcutCreate, {"path": path, "target": target, "replace": replace})
    domain = platform.domains.get(caller, workspace_id)
    item = platform.lakehouses.get(caller, domain.slug, item_id)
    try:
        created = platform.shortcuts.create(caller, domain.slug, item.name, create)
    except Conflict as exc:
        raise CompatError(409, "ItemDisplayNameAlreadyInUse", exc.detail) from None
    return _shortcut(platform, caller, created)


@router.get("/items/{item_id}/shortcuts", summary="List shortcuts")
def list_shortcuts(request: Request, workspace_id: str, item_id: str, platform: PlatformDep, caller: Caller) -> Any:
    domain = platform.domains.get(caller, workspace_id)
    item = platform.lakehouses.get(caller, domain.slug, item_id)
    found = platform.shortcuts.list_shortcuts(caller, domain.slug, item.name)
    return shapes.page(request, [_shortcut(platform, caller, s) for s in found], None)


@router.get("/items/{item_id}/shortcuts/{path:path}", summary="Get shortcut")
def get_shortcut(workspace_id: str, item_id: str, path: str, platform: PlatformDep, caller: Caller) -> Any:
    domain = platform.domains.get(caller, workspace_id)
    item = platform.lakehouses.get(caller, domain.slug, item_id)
    return _shortcut(platform, caller, platform.shortcuts.get(caller, domain.slug, item.name, _name(path)))


@router.delete("/items/{item_id}/shortcuts/{path:path}", summary="Delete shortcut")
def delete_shortcut(workspace_id: str, item_id: str, path: str, platform: PlatformDep, caller: Caller) -> None:
    domain = platform.domains.get(caller, workspace_id)
    item = platform.lakehouses.get(caller, domain.slug, item_id)
    platform.shortcuts.delete(caller, domain.slug, item.name, _name(path))


# -- helpers ---------------------------------------------------------------------------------------
def _name(path: str) -> str:
    """`Tables/<name>` (the real API's `{path}/{name}`); only the Tables area holds shortcuts."""
    area, _, name = path.strip("/").rpartition("/")
    if area != "Tables" or not name:
        raise NotFound(f"Shortcut {path} not found")
    return name


def _create_lakehouse(platform: Platform, caller: Principal, workspace_id: str, spec: ItemCreate) -> Any:
    domain = platform.domains.get(caller, workspace_id)
    settings = _description_document(spec.description)
    try:
        platform.lakehouses.get(caller, domain.slug, spec.display_name)
    except NotFound:
        pass
    else:
        raise CompatError(409, "ItemDisplayNameAlreadyInUse", f"An item named {spec.display_name!r} already exists")
    if settings is None or not settings.get("data_steward"):
        create = parse_model(LakehouseCreate, {"name": spec.display_name, "description": spec.description})
        return shapes.lakehouse(platform.lakehouses.create(caller, domain.slug, create), domain.id, properties=False)
    # The seed's self-serve call: a JSON document (data_steward, governance, config) in `description`.
    # It runs the native self-serve path: the steward's account and role, the template and its governance.
    template = _template_for(platform, caller, settings)
    request = parse_model(
        DomainLakehouseRequest,
        {
            "domain_name": domain.name,
            "steward_email": str(settings["data_steward"]),
            "template": template,
            "lakehouse_name": spec.display_name,
        },
    )
    made: Lakehouse = platform.self_serve.create_domain_lakehouse(caller, request).lakehouse
    return shapes.lakehouse(made, domain.id, properties=False)


def _description_document(description: str) -> dict[str, Any] | None:
    text = description.strip()
    if not text.startswith("{"):
        return None
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return None
    return document if isinstance(document, dict) else None


def _template_for(platform: Platform, caller: Principal, settings: dict[str, Any]) -> str:
    """The Lakehouse template named in the document, else the one whose governance and config it carries."""
    if isinstance(settings.get("template"), str):
        return str(settings["template"])
    governance, config = settings.get("governance") or {}, settings.get("config") or {}
    for template in platform.templates.list(caller):
        if template.type != "Lakehouse":
            continue
        if template.governance == governance and all(template.config.get(k) == v for k, v in config.items()):
            return template.name
    if not governance and not config:
        return "domain-lakehouse-template"
    raise invalid(
        "description",
        "no Lakehouse template has this governance and config; register it with PUT /api/v1/templates/{name} "
        'or name it in the document ("template": "<name>")',
    )


def _shortcut(platform: Platform, caller: Principal, shortcut: Shortcut) -> dict[str, Any]:
    body: dict[str, Any] = {"path": "Tables", "name": shortcut.name, "target": {"type": "OneLake"}}
    if shortcut.target is None:
        return body
    try:  # the caller may read the shortcut but not the target's lakehouse: then only its path is shown
        target_domain = platform.domains.get(caller, shortcut.target.domain)
        target_item = platform.lakehouses.get(caller, target_domain.slug, shortcut.target.lakehouse)
    except (NotFound, Forbidden):
        return body
    body["target"]["oneLake"] = {
        "workspaceId": uuid_of(target_domain.id),
        "itemId": uuid_of(target_item.id),
        "path": f"Tables/{shortcut.target.table}",
    }
    return body
