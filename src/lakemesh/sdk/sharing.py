"""Sharing over REST: shortcuts between lakehouses, and Delta Sharing shares and recipients."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from lakemesh.sdk.transport import Transport
from lakemesh.sharing.models import IssuedRecipient, IssuedSharingProfile, Recipient, Share, SharingProfile, Shortcut


def _seg(value: str) -> str:
    return quote(value, safe="")


def _shortcut_body(
    path: str | dict[str, Any], target: dict[str, Any] | None, version: int | None, replace: bool
) -> dict[str, Any]:
    body: dict[str, Any] = dict(path) if isinstance(path, dict) else {"path": path, "target": target}
    if version is not None:
        body["version"] = version
    if replace:
        body["replace"] = True
    return body


class RemoteSharingMethods:
    _http: Transport

    # -- shortcuts -------------------------------------------------------------------------------
    def _shortcuts(self, domain: str, lakehouse: str) -> str:
        return f"/api/v1/domains/{_seg(domain)}/lakehouses/{_seg(lakehouse)}/shortcuts"

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
        body = _shortcut_body(path, target, version, replace)
        return Shortcut.model_validate(self._http.json("POST", self._shortcuts(domain, lakehouse), json=body))

    def list_shortcuts(self, domain: str, lakehouse: str) -> list[Shortcut]:
        return [Shortcut.model_validate(s) for s in self._http.pages(self._shortcuts(domain, lakehouse))]

    def get_shortcut(self, domain: str, lakehouse: str, name: str) -> Shortcut:
        return Shortcut.model_validate(self._http.json("GET", f"{self._shortcuts(domain, lakehouse)}/{_seg(name)}"))

    def delete_shortcut(self, domain: str, lakehouse: str, name: str) -> None:
        self._http.request("DELETE", f"{self._shortcuts(domain, lakehouse)}/{_seg(name)}")

    # -- Delta Sharing shares --------------------------------------------------------------------
    def create_share(self, name: str, domain: str, *, description: str = "") -> Share:
        body = {"name": name, "domain": domain, "description": description}
        return Share.model_validate(self._http.json("POST", "/api/v1/shares", json=body))

    def list_shares(self) -> list[Share]:
        return [Share.model_validate(s) for s in self._http.pages("/api/v1/shares")]

    def get_share(self, name: str) -> Share:
        return Share.model_validate(self._http.json("GET", f"/api/v1/shares/{_seg(name)}"))

    def delete_share(self, name: str) -> None:
        self._http.request("DELETE", f"/api/v1/shares/{_seg(name)}")

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
        body = {k: v for k, v in body.items() if v is not None}
        return Share.model_validate(self._http.json("POST", f"/api/v1/shares/{_seg(share)}/tables", json=body))

    def remove_share_table(self, share: str, schema: str, name: str) -> Share:
        path = f"/api/v1/shares/{_seg(share)}/tables/{_seg(schema)}/{_seg(name)}"
        return Share.model_validate(self._http.json("DELETE", path))

    def create_recipient(self, share: str, name: str, *, expires_in: str | None = None) -> IssuedRecipient:
        body = {"name": name, "expires_in": expires_in}
        path = f"/api/v1/shares/{_seg(share)}/recipients"
        return IssuedRecipient.model_validate(self._http.json("POST", path, json=body))

    def list_recipients(self, share: str) -> list[Recipient]:
        return [Recipient.model_validate(r) for r in self._http.pages(f"/api/v1/shares/{_seg(share)}/recipients")]

    def revoke_recipient(self, share: str, name: str) -> Recipient:
        path = f"/api/v1/shares/{_seg(share)}/recipients/{_seg(name)}"
        return Recipient.model_validate(self._http.json("DELETE", path))

    # -- the grantee's personal profile ----------------------------------------------------------
    def create_sharing_profile(self) -> IssuedSharingProfile:
        return IssuedSharingProfile.model_validate(self._http.json("POST", "/api/v1/me/sharing-profile"))

    def get_sharing_profile(self) -> SharingProfile:
        return SharingProfile.model_validate(self._http.json("GET", "/api/v1/me/sharing-profile"))

    def revoke_sharing_profile(self) -> SharingProfile:
        return SharingProfile.model_validate(self._http.json("DELETE", "/api/v1/me/sharing-profile"))
