"""Principals and API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, status

from lakemesh.api.deps import Caller, Cursor, Limit, PlatformDep
from lakemesh.auth.models import IssuedToken, Principal, PrincipalCreate, Token, TokenCreate
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
