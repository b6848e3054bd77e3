"""Domains and their role assignments."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response, status

from lakemesh.api.deps import Caller, Cursor, IfMatch, Limit, PlatformDep
from lakemesh.core.pages import DEFAULT_LIMIT, Page
from lakemesh.domains.models import Domain, DomainCreate, DomainUpdate, Member, MemberAdd

router = APIRouter(prefix="/api/v1/domains", tags=["domains"])


@router.get("", summary="List domains", response_model=Page[Domain])
async def list_domains(
    platform: PlatformDep, caller: Caller, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Response:
    # Hot path: one indexed read inline on the event loop (no thread-pool hop), serialized straight from the
    # already-validated model instead of re-validated by FastAPI.
    page = platform.domains.list_domains(caller, limit=limit, cursor=cursor)
    return Response(page.model_dump_json(), media_type="application/json")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a domain",
    description="Platform admins (or everyone, when self-serve domain creation is on) create domains. "
    "Names are unique case-insensitively (409 otherwise).",
)
def create_domain(spec: DomainCreate, platform: PlatformDep, caller: Caller, response: Response) -> Domain:
    domain = platform.domains.create(caller, spec)
    response.headers["ETag"] = domain.etag
    response.headers["Location"] = f"/api/v1/domains/{domain.slug}"
    return domain


@router.get("/{domain}", summary="Get a domain", response_model=Domain)
async def get_domain(domain: str, platform: PlatformDep, caller: Caller) -> Response:
    found = platform.domains.get(caller, domain)
    return Response(found.model_dump_json(), media_type="application/json", headers={"ETag": found.etag})


@router.patch(
    "/{domain}",
    summary="Update a domain",
    description="Domain Admins only. Send `If-Match` with the "
    "ETag you read to avoid overwriting someone else's change (412 if it changed).",
)
def update_domain(
    domain: str,
    changes: DomainUpdate,
    platform: PlatformDep,
    caller: Caller,
    response: Response,
    if_match: IfMatch = None,
) -> Domain:
    updated = platform.domains.update(caller, domain, changes, if_match=if_match)
    response.headers["ETag"] = updated.etag
    return updated


@router.delete(
    "/{domain}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a domain",
    description="Refused (409) while the domain holds lakehouses or products, unless `force=true`.",
)
def delete_domain(
    domain: str,
    platform: PlatformDep,
    caller: Caller,
    force: bool = Query(default=False, description="Delete everything the domain holds too."),
) -> None:
    platform.domains.delete(caller, domain, force=force)


@router.get("/{domain}/members", summary="List role assignments")
def list_members(domain: str, platform: PlatformDep, caller: Caller) -> Page[Member]:
    return Page(items=platform.domains.list_members(caller, domain))


@router.post(
    "/{domain}/members",
    status_code=status.HTTP_201_CREATED,
    summary="Assign a role",
    description="Roles: Admin, Member, Contributor, Viewer. Assigning again changes the role.",
)
def add_member(domain: str, spec: MemberAdd, platform: PlatformDep, caller: Caller) -> Member:
    return platform.domains.add_member(caller, domain, spec)


@router.delete("/{domain}/members/{principal}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a role")
def remove_member(domain: str, principal: str, platform: PlatformDep, caller: Caller) -> None:
    platform.domains.remove_member(caller, domain, principal)
