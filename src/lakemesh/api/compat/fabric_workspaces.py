"""Fabric `/v1/workspaces` and their `roleAssignments`, translated onto domains and domain roles."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from lakemesh.api.compat import fabric_shapes as shapes
from lakemesh.api.compat.errors import CompatError
from lakemesh.api.deps import Caller, PlatformDep
from lakemesh.core.errors import Conflict, NotFound
from lakemesh.core.ids import native_ref
from lakemesh.core.pages import DEFAULT_LIMIT
from lakemesh.core.validation import parse_model
from lakemesh.domains.models import DomainCreate, DomainUpdate, MemberAdd
from lakemesh.selfserve.service import domain_name_of

router = APIRouter(prefix="/workspaces", tags=["fabric"])


class WorkspaceCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")  # Fabric clients send fields we have no use for (e.g. domainId)

    display_name: str = Field(alias="displayName")
    description: str = ""
    capacity_id: str | None = Field(default=None, alias="capacityId")


class WorkspaceUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    display_name: str | None = Field(default=None, alias="displayName")
    description: str | None = None


class PrincipalRef(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    type: str = "User"


class RoleAssignmentCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    principal: PrincipalRef
    role: str


class RoleAssignmentUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: str


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create workspace (domain)")
def create_workspace(spec: WorkspaceCreate, platform: PlatformDep, caller: Caller, response: Response) -> Any:
    name = domain_name_of(spec.display_name)
    create = {"name": name, "display_name": spec.display_name.strip(), "description": spec.description}
    tags = shapes.with_capacity([], spec.capacity_id)
    try:
        domain = platform.domains.create(caller, parse_model(DomainCreate, {**create, "tags": tags}))
    except Conflict as exc:
        raise CompatError(409, "WorkspaceNameAlreadyExists", exc.detail) from None
    body = shapes.workspace(domain)
    response.headers["Location"] = f"/fabric/v1/workspaces/{body['id']}"
    return body


@router.get("", summary="List workspaces (domains)")
async def list_workspaces(
    request: Request,
    platform: PlatformDep,
    caller: Caller,
    continuation_token: str | None = Query(default=None, alias="continuationToken"),
) -> Response:
    # As the native list: one indexed read inline on the event loop, serialized once (no re-validation).
    page = platform.domains.list_domains(caller, limit=DEFAULT_LIMIT, cursor=continuation_token)
    body = shapes.page(request, [shapes.workspace(d) for d in page.items], page.next_cursor)
    return Response(json.dumps(body), media_type="application/json")


@router.get("/{workspace_id}", summary="Get workspace")
def get_workspace(workspace_id: str, platform: PlatformDep, caller: Caller) -> Any:
    return shapes.workspace(platform.domains.get(caller, workspace_id))


@router.patch("/{workspace_id}", summary="Update workspace")
def update_workspace(workspace_id: str, spec: WorkspaceUpdate, platform: PlatformDep, caller: Caller) -> Any:
    changes = {k: v for k, v in {"display_name": spec.display_name, "description": spec.description}.items() if v}
    updated = platform.domains.update(caller, workspace_id, parse_model(DomainUpdate, changes))
    return shapes.workspace(updated)


@router.delete("/{workspace_id}", summary="Delete workspace")
def delete_workspace(workspace_id: str, platform: PlatformDep, caller: Caller) -> Response:
    platform.domains.delete(caller, workspace_id)
    return Response(status_code=status.HTTP_200_OK)


# -- role assignments ------------------------------------------------------------------------------
@router.post("/{workspace_id}/roleAssignments", status_code=status.HTTP_201_CREATED, summary="Add role assignment")
def add_role_assignment(workspace_id: str, spec: RoleAssignmentCreate, platform: PlatformDep, caller: Caller) -> Any:
    principal = native_ref(spec.principal.id, "prn")
    member = platform.domains.add_member(caller, workspace_id, _member_add(principal, spec.role))
    return shapes.role_assignment(member)


@router.get("/{workspace_id}/roleAssignments", summary="List role assignments")
def list_role_assignments(request: Request, workspace_id: str, platform: PlatformDep, caller: Caller) -> Any:
    members = platform.domains.list_members(caller, workspace_id)
    return shapes.page(request, [shapes.role_assignment(m) for m in members], None)


@router.get("/{workspace_id}/roleAssignments/{assignment_id}", summary="Get role assignment")
def get_role_assignment(workspace_id: str, assignment_id: str, platform: PlatformDep, caller: Caller) -> Any:
    return shapes.role_assignment(_assignment(platform, caller, workspace_id, assignment_id))


@router.patch("/{workspace_id}/roleAssignments/{assignment_id}", summary="Update role assignment")
def update_role_assignment(
    workspace_id: str, assignment_id: str, spec: RoleAssignmentUpdate, platform: PlatformDep, caller: Caller
) -> Any:
    current = _assignment(platform, caller, workspace_id, assignment_id)
    member = platform.domains.add_member(caller, workspace_id, _member_add(current.principal_id, spec.role))
    return shapes.role_assignment(member)


@router.delete("/{workspace_id}/roleAssignments/{assignment_id}", summary="Delete role assignment")
def delete_role_assignment(workspace_id: str, assignment_id: str, platform: PlatformDep, caller: Caller) -> Response:
    current = _assignment(platform, caller, workspace_id, assignment_id)
    platform.domains.remove_member(caller, workspace_id, current.principal_id)
    return Response(status_code=status.HTTP_200_OK)


def _member_add(principal: str, role: str) -> MemberAdd:
    return parse_model(MemberAdd, {"principal": principal, "role": role})


def _assignment(platform: Any, caller: Any, workspace_id: str, assignment_id: str) -> Any:
    """A role assignment's id is its principal's GUID (as in Fabric); names and native ids work too."""
    wanted = native_ref(assignment_id, "prn")
    for member in platform.domains.list_members(caller, workspace_id):
        if wanted in {member.principal_id, member.principal} or wanted.lower() == (member.email or "").lower():
            return member
    raise NotFound(f"Role assignment {assignment_id} not found in workspace {workspace_id}")
