"""Principals and API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, status

from lakemesh.api.deps import Caller, Cursor, Limit, PlatformDep
from lakemesh.auth.models import (
    GroupMember,
    GroupMemberAdd,
    IssuedToken,
    Principal,
    PrincipalCreate,
    Token,
    TokenCreate,
)
from lakemesh.core.pages import DEFAULT_LIMIT, Page

router = APIRouter(prefix="/api/v1", tags=["principals"])


@router.get("/me", summary="Who am I")
def whoami(caller: Caller) -> Principal:
    return caller


@router.get("/principals", summary="List principals")
def list_principals(
    platform: PlatformDep, caller: Caller, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[Principal]:
    return platform.principals.list_principals(caller, limit=limit, cursor=cursor)


@router.post(
    "/principals",
    status_code=status.HTTP_201_CREATED,
    summary="Create a principal",
    description="Platform admins only. Users are usually named by email; service principals by name.",
)
def create_principal(spec: PrincipalCreate, platform: PlatformDep, caller: Caller) -> Principal:
    return platform.principals.create_principal(caller, spec)


@router.get("/principals/{principal}", summary="Get a principal")
def get_principal(principal: str, platform: PlatformDep, caller: Caller) -> Principal:
    return platform.principals.get_principal(caller, principal)


@router.delete(
    "/principals/{principal}",
    summary="Disable a principal",
    description="Platform admins only. Revokes all its tokens; history and ownership stay.",
)
def disable_principal(principal: str, platform: PlatformDep, caller: Caller) -> Principal:
    return platform.principals.disable_principal(caller, principal)


@router.get("/tokens", summary="List tokens", description="Your own; platform admins see everyone's.")
def list_tokens(
    platform: PlatformDep,
    caller: Caller,
    principal: str | None = Query(default=None, description="Only this principal's tokens."),
) -> Page[Token]:
    return Page(items=platform.principals.list_tokens(caller, principal))


@router.post(
    "/tokens",
    status_code=status.HTTP_201_CREATED,
    summary="Create a token",
    description="The secret is in the response once and never again; only its hash is stored.",
)
def create_token(
    platform: PlatformDep, caller: Caller, spec: Annotated[TokenCreate, Body(default_factory=TokenCreate)]
) -> IssuedToken:
    return platform.principals.create_token(caller, spec)


@router.delete("/tokens/{token_id}", summary="Revoke a token")
def revoke_token(token_id: str, platform: PlatformDep, caller: Caller) -> Token:
    return platform.principals.revoke_token(caller, token_id)


@router.get(
    "/groups/{group}/members",
    summary="List a group's members",
    description="Platform admins, or members of the group. `source` says who maintains each membership.",
    tags=["groups"],
)
def list_group_members(group: str, platform: PlatformDep, caller: Caller) -> Page[GroupMember]:
    return Page(items=platform.groups.list_members(caller, group))


@router.post(
    "/groups/{group}/members",
    status_code=status.HTTP_201_CREATED,
    summary="Add a group member",
    description="Platform admins only. The member acts with the group's roles, grants and ownerships at once.",
    tags=["groups"],
)
def add_group_member(group: str, spec: GroupMemberAdd, platform: PlatformDep, caller: Caller) -> GroupMember:
    return platform.groups.add_member(caller, group, spec.principal)


@router.delete(
    "/groups/{group}/members/{principal}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a group member",
    description="Platform admins only. What the member held through the group ends with the next request.",
    tags=["groups"],
)
def remove_group_member(group: str, principal: str, platform: PlatformDep, caller: Caller) -> None:
    platform.groups.remove_member(caller, group, principal)
