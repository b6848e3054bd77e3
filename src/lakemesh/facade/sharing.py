"""Sharing on the in-process `Mesh`: shortcuts between lakehouses, and Delta Sharing shares and recipients."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lakemesh.auth.models import Principal
from lakemesh.core.validation import parse_model
from lakemesh.facade.operation import Args, remote
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

if TYPE_CHECKING:
    from lakemesh.platform import Platform

SHARING_PREFIX = "/delta-sharing"
SHORTCUTS = "/api/v1/domains/{domain}/lakehouses/{lakehouse}/shortcuts"
SHARE = "/api/v1/shares/{name}"
RECIPIENTS = "/api/v1/shares/{share}/recipients"
PROFILE = "/api/v1/me/sharing-profile"


def shortcut_body(a: Args) -> dict[str, Any]:
    """The seed's whole payload (`{"path", "target"}`) or the path and target separately."""
    path = a["path"]
    body: dict[str, Any] = dict(path) if isinstance(path, dict) else {"path": path, "target": a["target"]}
    if a["version"] is not None:
        body["version"] = a["version"]
    if a["replace"]:
        body["replace"] = True
    return body


def _share_table(a: Args) -> dict[str, Any]:
    body = {k: a[k] for k in ("lakehouse", "table", "schema", "name", "columns")}
    return {k: v for k, v in body.items() if v is not None}


class SharingMethods:
    platform: Platform
    principal: Principal

    # -- shortcuts -------------------------------------------------------------------------------
    @remote("POST", SHORTCUTS, body=shortcut_body)
    def create_shortcut(
        self,
        domain: str,
        lakehouse: str,
        path: str | dict[str, Any],
        target: dict[str, Any] | None = None,
        *,
        version: int | None = None,
        replace: bool = False,
    ) -> Shortcut:
        """`mesh.create_shortcut("Marketing", "marketing_lakehouse", {"path": "Tables/x", "target": {...}})`."""
        spec = parse_model(ShortcutCreate, shortcut_body(locals()))
        return self.platform.shortcuts.create(self.principal, domain, lakehouse, spec)

    @remote("GET", SHORTCUTS, pages=True)
    def list_shortcuts(self, domain: str, lakehouse: str) -> list[Shortcut]:
        return self.platform.shortcuts.list_shortcuts(self.principal, domain, lakehouse)

    @remote("GET", SHORTCUTS + "/{name}")
    def get_shortcut(self, domain: str, lakehouse: str, name: str) -> Shortcut:
        return self.platform.shortcuts.get(self.principal, domain, lakehouse, name)

    @remote("DELETE", SHORTCUTS + "/{name}")
    def delete_shortcut(self, domain: str, lakehouse: str, name: str) -> None:
        self.platform.shortcuts.delete(self.principal, domain, lakehouse, name)

    # -- Delta Sharing shares --------------------------------------------------------------------
    @remote("POST", "/api/v1/shares", body=("name", "domain", "description"))
    def create_share(self, name: str, domain: str, *, description: str = "") -> Share:
        spec = parse_model(ShareCreate, {"name": name, "domain": domain, "description": description})
        return self.platform.shares.create(self.principal, spec)

    @remote("GET", "/api/v1/shares", pages=True)
    def list_shares(self) -> list[Share]:
        return self.platform.shares.list_shares(self.principal)

    @remote("GET", SHARE)
    def get_share(self, name: str) -> Share:
        return self.platform.shares.get(self.principal, name)

    @remote("DELETE", SHARE)
    def delete_share(self, name: str) -> None:
        self.platform.shares.delete(self.principal, name)

    @remote("POST", "/api/v1/shares/{share}/tables", body=_share_table)
    def add_share_table(
        self,
        share: str,
        lakehouse: str,
        table: str,
        *,
        schema: str | None = None,
        name: str | None = None,
        columns: list[str] | None = None,
    ) -> Share:
        return self.platform.shares.add_table(self.principal, share, parse_model(ShareTableAdd, _share_table(locals())))

    @remote("DELETE", "/api/v1/shares/{share}/tables/{schema}/{name}")
    def remove_share_table(self, share: str, schema: str, name: str) -> Share:
        return self.platform.shares.remove_table(self.principal, share, schema, name)

    @remote("POST", RECIPIENTS, body=("name", "expires_in"))
    def create_recipient(self, share: str, name: str, *, expires_in: str | None = None) -> IssuedRecipient:
        """The token and profile are shown once; the profile points at this deployment's public URL."""
        spec = parse_model(RecipientCreate, {"name": name, "expires_in": expires_in})
        endpoint = self.platform.settings.base_url.rstrip("/") + SHARING_PREFIX
        return self.platform.shares.create_recipient(self.principal, share, spec, endpoint)

    @remote("GET", RECIPIENTS, pages=True)
    def list_recipients(self, share: str) -> list[Recipient]:
        return self.platform.shares.list_recipients(self.principal, share)

    @remote("DELETE", RECIPIENTS + "/{name}")
    def revoke_recipient(self, share: str, name: str) -> Recipient:
        return self.platform.shares.revoke_recipient(self.principal, share, name)

    # -- the grantee's personal profile ----------------------------------------------------------
    @remote("POST", PROFILE)
    def create_sharing_profile(self) -> IssuedSharingProfile:
        """Your Delta Sharing profile over exactly what your grants cover; replaces your previous one."""
        endpoint = self.platform.settings.base_url.rstrip("/") + SHARING_PREFIX
        return self.platform.sharing_profiles.create(self.principal, endpoint)

    @remote("GET", PROFILE)
    def get_sharing_profile(self) -> SharingProfile:
        return self.platform.sharing_profiles.get(self.principal)

    @remote("DELETE", PROFILE)
    def revoke_sharing_profile(self) -> SharingProfile:
        return self.platform.sharing_profiles.revoke(self.principal)
