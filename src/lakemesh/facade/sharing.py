"""Sharing on the in-process `Mesh`: shortcuts between lakehouses, and Delta Sharing shares and recipients."""

from __future__ import annotations

from typing import Any

from lakemesh.auth.models import Principal
from lakemesh.core.validation import parse_model
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

SHARING_PREFIX = "/delta-sharing"


def shortcut_body(
    path: str | dict[str, Any], target: dict[str, Any] | None, version: int | None, replace: bool
) -> dict[str, Any]:
    """The seed's whole payload (`{"path", "target"}`) or the path and target separately."""
    body: dict[str, Any] = dict(path) if isinstance(path, dict) else {"path": path, "target": target}
    if version is not None:
        body["version"] = version
    if replace:
        body["replace"] = True
    return body


class SharingMethods:
    platform: Platform
    principal: Principal

    # -- shortcuts -------------------------------------------------------------------------------
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
        spec = parse_model(ShortcutCreate, shortcut_body(path, target, version, replace))
        return self.platform.shortcuts.create(self.principal, domain, lakehouse, spec)

    def list_shortcuts(self, domain: str, lakehouse: str) -> list[Shortcut]:
        return self.platform.shortcuts.list_shortcuts(self.principal, domain, lakehouse)

    def get_shortcut(self, domain: str, lakehouse: str, name: str) -> Shortcut:
        return self.platform.shortcuts.get(self.principal, domain, lakehouse, name)

    def delete_shortcut(self, domain: str, lakehouse: str, name: str) -> None:
        self.platform.shortcuts.delete(self.principal, domain, lakehouse, name)

    # -- Delta Sharing shares --------------------------------------------------------------------
    def create_share(self, name: str, domain: str, *, description: str = "") -> Share:
        spec = parse_model(ShareCreate, {"name": name, "domain": domain, "description": description})
        return self.platform.shares.create(self.principal, spec)

    def list_shares(self) -> list[Share]:
        return self.platform.shares.list_shares(self.principal)

    def get_share(self, name: str) -> Share:
        return self.platform.shares.get(self.principal, name)

    def delete_share(self, name: str) -> None:
        self.platform.shares.delete(self.principal, name)

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
        body = {"lakehouse": lakehouse, "table": table, "schema": schema, "name": name, "columns": columns}
        return self.platform.shares.add_table(self.principal, share, parse_model(ShareTableAdd, body))

    def remove_share_table(self, share: str, schema: str, name: str) -> Share:
        return self.platform.shares.remove_table(self.principal, share, schema, name)

    def create_recipient(self, share: str, name: str, *, expires_in: str | None = None) -> IssuedRecipient:
        """The token and profile are shown once; the profile points at this deployment's public URL."""
        spec = parse_model(RecipientCreate, {"name": name, "expires_in": expires_in})
        endpoint = self.platform.settings.base_url.rstrip("/") + SHARING_PREFIX
        return self.platform.shares.create_recipient(self.principal, share, spec, endpoint)

    def list_recipients(self, share: str) -> list[Recipient]:
        return self.platform.shares.list_recipients(self.principal, share)

    def revoke_recipient(self, share: str, name: str) -> Recipient:
        return self.platform.shares.revoke_recipient(self.principal, share, name)

    # -- the grantee's personal profile ----------------------------------------------------------
    def create_sharing_profile(self) -> IssuedSharingProfile:
        """Your Delta Sharing profile over exactly what your grants cover; replaces your previous one."""
        endpoint = self.platform.settings.base_url.rstrip("/") + SHARING_PREFIX
        return self.platform.sharing_profiles.create(self.principal, endpoint)

    def get_sharing_profile(self) -> SharingProfile:
        return self.platform.sharing_profiles.get(self.principal)

    def revoke_sharing_profile(self) -> SharingProfile:
        return self.platform.sharing_profiles.revoke(self.principal)
