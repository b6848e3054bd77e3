"""Shortcuts between lakehouses (`.../lakehouses/{lakehouse}/shortcuts`) and Delta Sharing management (`/shares`)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from lakemesh.api.deps import Caller, PlatformDep
from lakemesh.core.pages import Page
from lakemesh.platform import Platform
from lakemesh.sharing.models import (
    IssuedRecipient,
    IssuedSharingProfile,
    Recipient,
    RecipientCreate,
    Share,
    ShareCreate,
    ShareTableAdd,
    SharingProfile,
    Shortcut,
    ShortcutCreate,
)

router = APIRouter(prefix="/api/v1", tags=["sharing"])
SHORTCUTS = "/domains/{domain}/lakehouses/{lakehouse}/shortcuts"


def sharing_endpoint(platform: Platform, request: Request) -> str:
    """The Delta Sharing prefix recipients reach: the configured public URL, else the URL this request came to."""
    base = platform.settings.public_url or str(request.base_url)
    return base.rstrip("/") + "/delta-sharing"


# -- shortcuts -------------------------------------------------------------------------------------
@router.post(
    SHORTCUTS,
    status_code=status.HTTP_201_CREATED,
    summary="Create a shortcut to another lakehouse's table",
    description='The seed\'s shape: `{"path": "Tables/shared_customer_360", "target": {"domain", "lakehouse", '
    '"table"}}` or `{"target": {"oneLake": {"workspaceId", "itemId", "path"}}}`. No data is copied; reads go to '
    "the target (latest or the pinned `version`), writes are refused. You need read access to the target.",
)
def create_shortcut(
    domain: str, lakehouse: str, spec: ShortcutCreate, platform: PlatformDep, caller: Caller, response: Response
) -> Shortcut:
    created = platform.shortcuts.create(caller, domain, lakehouse, spec)
    response.headers["Location"] = f"/api/v1/domains/{domain}/lakehouses/{lakehouse}/shortcuts/{created.name}"
    return created


@router.get(
    SHORTCUTS,
    summary="List a lakehouse's shortcuts",
    description="`status` is `broken` when you cannot read the target.",
)
def list_shortcuts(domain: str, lakehouse: str, platform: PlatformDep, caller: Caller) -> Page[Shortcut]:
    return Page(items=platform.shortcuts.list_shortcuts(caller, domain, lakehouse))


@router.get(SHORTCUTS + "/{name}", summary="Get a shortcut")
def get_shortcut(domain: str, lakehouse: str, name: str, platform: PlatformDep, caller: Caller) -> Shortcut:
    return platform.shortcuts.get(caller, domain, lakehouse, name)


@router.delete(
    SHORTCUTS + "/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a shortcut",
    description="Removes the entry only; the target table and its data are untouched.",
)
def delete_shortcut(domain: str, lakehouse: str, name: str, platform: PlatformDep, caller: Caller) -> Response:
    platform.shortcuts.delete(caller, domain, lakehouse, name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- shares ----------------------------------------------------------------------------------------
@router.post(
    "/shares",
    status_code=status.HTTP_201_CREATED,
    summary="Create a Delta Sharing share",
    description="A share exposes tables of one domain to outside recipients (Members and Admins of the domain).",
)
def create_share(spec: ShareCreate, platform: PlatformDep, caller: Caller) -> Share:
    return platform.shares.create(caller, spec)


@router.get("/shares", summary="List shares", description="Shares of the domains you have a role in.")
def list_shares(platform: PlatformDep, caller: Caller) -> Page[Share]:
    return Page(items=platform.shares.list_shares(caller))


@router.get("/shares/{share}", summary="Get a share")
def get_share(share: str, platform: PlatformDep, caller: Caller) -> Share:
    return platform.shares.get(caller, share)


@router.delete("/shares/{share}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a share")
def delete_share(share: str, platform: PlatformDep, caller: Caller) -> Response:
    platform.shares.delete(caller, share)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/shares/{share}/tables",
    status_code=status.HTTP_201_CREATED,
    summary="Add a table to a share",
    description="`columns` lists what recipients see; by default every column without a masked sensitivity "
    "label (the masking policy's labels). Recipients address it as `<share>.<schema>.<name>`.",
)
def add_share_table(share: str, spec: ShareTableAdd, platform: PlatformDep, caller: Caller) -> Share:
    return platform.shares.add_table(caller, share, spec)


@router.delete("/shares/{share}/tables/{schema}/{name}", summary="Remove a table from a share")
def remove_share_table(share: str, schema: str, name: str, platform: PlatformDep, caller: Caller) -> Share:
    return platform.shares.remove_table(caller, share, schema, name)


@router.post(
    "/shares/{share}/recipients",
    status_code=status.HTTP_201_CREATED,
    summary="Create a recipient",
    description="Returns the bearer token and a Delta Sharing profile file once; only a hash is kept.",
)
def create_recipient(
    share: str, spec: RecipientCreate, request: Request, platform: PlatformDep, caller: Caller
) -> IssuedRecipient:
    return platform.shares.create_recipient(caller, share, spec, sharing_endpoint(platform, request))


@router.get("/shares/{share}/recipients", summary="List a share's recipients")
def list_recipients(share: str, platform: PlatformDep, caller: Caller) -> Page[Recipient]:
    return Page(items=platform.shares.list_recipients(caller, share))


@router.delete(
    "/shares/{share}/recipients/{name}",
    summary="Revoke a recipient",
    description="Takes effect at once, including for file URLs already handed out.",
)
def revoke_recipient(share: str, name: str, platform: PlatformDep, caller: Caller) -> Recipient:
    return platform.shares.revoke_recipient(caller, share, name)


# -- the grantee's personal profile ------------------------------------------------------------------
@router.post(
    "/me/sharing-profile",
    status_code=status.HTTP_201_CREATED,
    summary="Create your personal Delta Sharing profile",
    description="One share (`grants`) serving exactly the products your grants in force cover, masked as SQL masks "
    "them; tables follow your grants (added on approval, gone on revocation or expiry). Returns the bearer token and "
    "the profile file once and replaces your previous profile. 409 while you hold no grant in force.",
)
def create_sharing_profile(request: Request, platform: PlatformDep, caller: Caller) -> IssuedSharingProfile:
    return platform.sharing_profiles.create(caller, sharing_endpoint(platform, request))


@router.get("/me/sharing-profile", summary="Your sharing profile and the tables it serves now")
def get_sharing_profile(platform: PlatformDep, caller: Caller) -> SharingProfile:
    return platform.sharing_profiles.get(caller)


@router.delete(
    "/me/sharing-profile",
    summary="Revoke your sharing profile",
    description="Takes effect at once, including for file URLs already handed out.",
)
def revoke_sharing_profile(platform: PlatformDep, caller: Caller) -> SharingProfile:
    return platform.sharing_profiles.revoke(caller)
