"""Lakemesh objects in Fabric REST v1 shapes (ids are the objects' GUIDs, see `core/ids.py`)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from lakemesh.core.ids import uuid_of
from lakemesh.domains.models import Domain, Member
from lakemesh.lakehouses.models import Lakehouse, TableInfo

CAPACITY_TAG = "fabric-capacity:"  # a workspace's `capacityId`, kept as a domain tag (visible natively too)
ROLES = {"admin": "Admin", "member": "Member", "contributor": "Contributor", "viewer": "Viewer"}
PRINCIPAL_TYPES = {"user": "User", "service": "ServicePrincipal"}


def capacity_of(domain: Domain) -> str | None:
    return next((t[len(CAPACITY_TAG) :] for t in domain.tags if t.startswith(CAPACITY_TAG)), None)


def with_capacity(tags: list[str], capacity_id: str | None) -> list[str]:
    kept = [t for t in tags if not t.startswith(CAPACITY_TAG)]
    return [*kept, f"{CAPACITY_TAG}{capacity_id}"] if capacity_id else kept


def workspace(domain: Domain) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": uuid_of(domain.id),
        "displayName": domain.display_name or domain.name,
        "description": domain.description,
        "type": "Workspace",
    }
    capacity = capacity_of(domain)
    if capacity:
        body["capacityId"] = capacity
    return body


def role_assignment(member: Member) -> dict[str, Any]:
    principal: dict[str, Any] = {
        "id": uuid_of(member.principal_id),
        "displayName": member.principal,
        "type": PRINCIPAL_TYPES.get(member.kind, "User"),
    }
    if member.email:
        principal["userDetails"] = {"userPrincipalName": member.email}
    return {"id": uuid_of(member.principal_id), "principal": principal, "role": ROLES[member.role.value.lower()]}


def lakehouse(item: Lakehouse, domain_id: str, *, properties: bool = True) -> dict[str, Any]:
    """Fabric's Lakehouse; as a plain Item (creates, `/items`) without `properties`, which Fabric's SDK
    would otherwise read as an unfinished long-running operation."""
    workspace_id = uuid_of(domain_id)
    item_id = uuid_of(item.id)
    body: dict[str, Any] = {
        "id": item_id,
        "type": "Lakehouse",
        "displayName": item.name,
        "description": item.description,
        "workspaceId": workspace_id,
        "properties": {
            "oneLakeTablesPath": f"{item.location.rstrip('/')}/Tables",
            "oneLakeFilesPath": f"{item.location.rstrip('/')}/Files",
            "sqlEndpointProperties": None,
        },
    }
    if not properties:
        del body["properties"]
    return body


def table(info: TableInfo, location: str) -> dict[str, Any]:
    return {
        "type": "Shortcut" if info.shortcut_target else "Managed",
        "name": info.name,
        "location": f"{location.rstrip('/')}/Tables/{info.name}",
        "format": "Delta",
    }


def page(request: Request, items: list[dict[str, Any]], next_cursor: str | None) -> dict[str, Any]:
    """Fabric paging: `value`, then `continuationToken` and `continuationUri` when there is more."""
    uri = str(request.url.include_query_params(continuationToken=next_cursor)) if next_cursor else None
    return {"value": items, "continuationToken": next_cursor, "continuationUri": uri}
