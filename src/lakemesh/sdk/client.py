"""`RemoteMesh`: the same methods as the in-process `Mesh`, over the REST API."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

import httpx

from lakemesh.audit.models import AuditEntry
from lakemesh.auth.models import IssuedToken, Principal, Token
from lakemesh.domains.models import Domain, Member
from lakemesh.sdk.access import RemoteAccessMethods
from lakemesh.sdk.governance import RemoteGovernanceMethods
from lakemesh.sdk.lakehouses import RemoteLakehouseMethods
from lakemesh.sdk.metrics import RemoteMetricsMethods
from lakemesh.sdk.pipelines import RemotePipelineMethods
from lakemesh.sdk.products import RemoteProductMethods
from lakemesh.sdk.quality import RemoteQualityMethods
from lakemesh.sdk.semantic import RemoteSemanticMethods
from lakemesh.sdk.sharing import RemoteSharingMethods
from lakemesh.sdk.transport import Transport


def _seg(name: str) -> str:
    return quote(name, safe="")


class RemoteMesh(
    RemoteLakehouseMethods,
    RemoteProductMethods,
    # capability mixins: one line each
    RemoteSemanticMethods,
    RemoteSharingMethods,
    RemotePipelineMethods,
    RemoteAccessMethods,
    RemoteGovernanceMethods,
    RemoteMetricsMethods,
    RemoteQualityMethods,
):
    """A client of one Lakemesh server, acting as the principal behind `token`."""

    def __init__(self, url: str, token: str, *, timeout: float = 60.0, client: httpx.Client | None = None) -> None:
        self._http = Transport(url, token, timeout=timeout, client=client)
        self.url = self._http.url

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RemoteMesh:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- principals and tokens ---------------------------------------------------------------------
    def whoami(self) -> Principal:
        return Principal.model_validate(self._http.json("GET", "/api/v1/me"))

    def create_principal(
        self,
        name: str,
        *,
        kind: str = "user",
        email: str | None = None,
        display_name: str | None = None,
        platform_role: str = "user",
    ) -> Principal:
        body = {
            "name": name,
            "kind": kind,
            "email": email,
            "display_name": display_name,
            "platform_role": platform_role,
        }
        return Principal.model_validate(self._http.json("POST", "/api/v1/principals", json=body))

    def list_principals(self) -> list[Principal]:
        return [Principal.model_validate(p) for p in self._http.pages("/api/v1/principals")]

    def create_token(
        self, *, name: str = "api", principal: str | None = None, expires_in: str | None = None
    ) -> IssuedToken:
        body = {"name": name, "principal": principal, "expires_in": expires_in}
        return IssuedToken.model_validate(self._http.json("POST", "/api/v1/tokens", json=body))

    def list_tokens(self, principal: str | None = None) -> list[Token]:
        return [Token.model_validate(t) for t in self._http.pages("/api/v1/tokens", {"principal": principal})]

    def revoke_token(self, token_id: str) -> Token:
        return Token.model_validate(self._http.json("DELETE", f"/api/v1/tokens/{_seg(token_id)}"))

    # -- domains -----------------------------------------------------------------------------------
    def create_domain(
        self,
        name: str,
        *,
        display_name: str | None = None,
        description: str = "",
        owner: str | None = None,
        steward: str | None = None,
        tags: Iterable[str] = (),
    ) -> Domain:
        body = {
            "name": name,
            "display_name": display_name,
            "description": description,
            "owner": owner,
            "steward": steward,
            "tags": list(tags),
        }
        return Domain.model_validate(self._http.json("POST", "/api/v1/domains", json=body))

    def get_domain(self, name: str) -> Domain:
        return Domain.model_validate(self._http.json("GET", f"/api/v1/domains/{_seg(name)}"))

    def list_domains(self) -> list[Domain]:
        return [Domain.model_validate(d) for d in self._http.pages("/api/v1/domains")]

    def update_domain(self, name: str, *, if_match: str | None = None, **changes: Any) -> Domain:
        headers = {"If-Match": if_match} if if_match else {}
        return Domain.model_validate(
            self._http.json("PATCH", f"/api/v1/domains/{_seg(name)}", json=changes, headers=headers)
        )

    def delete_domain(self, name: str, *, force: bool = False) -> None:
        self._http.request("DELETE", f"/api/v1/domains/{_seg(name)}", params={"force": str(force).lower()})

    def list_members(self, domain: str) -> list[Member]:
        return [Member.model_validate(m) for m in self._http.pages(f"/api/v1/domains/{_seg(domain)}/members")]

    def add_member(self, domain: str, principal: str, role: str) -> Member:
        body = {"principal": principal, "role": role}
        return Member.model_validate(self._http.json("POST", f"/api/v1/domains/{_seg(domain)}/members", json=body))

    def remove_member(self, domain: str, principal: str) -> None:
        self._http.request("DELETE", f"/api/v1/domains/{_seg(domain)}/members/{_seg(principal)}")

    # -- audit -------------------------------------------------------------------------------------
    def audit(self, *, limit: int = 50, **filters: Any) -> list[AuditEntry]:
        params = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in filters.items()} | {"limit": limit}
        page = self._http.json("GET", "/api/v1/audit", params={k: v for k, v in params.items() if v is not None})
        return [AuditEntry.model_validate(e) for e in page["items"]]
