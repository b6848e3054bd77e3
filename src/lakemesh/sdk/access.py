"""Discovery and access over REST: search, access requests, grants, masking and governed SQL."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

import pyarrow as pa

from lakemesh.access.models import AccessRequest, Grant, QueryHistoryEntry
from lakemesh.core.errors import invalid
from lakemesh.discovery.models import SearchResults
from lakemesh.sdk.transport import Transport

ARROW_STREAM = "application/vnd.apache.arrow.stream"


def _seg(value: str) -> str:
    return quote(value, safe="")


def _listed(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


class RemoteAccessMethods:
    _http: Transport

    # -- discovery -------------------------------------------------------------------------------
    def search(
        self,
        query: str = "",
        *,
        filters: dict[str, Any] | None = None,
        domain: str | Iterable[str] | None = None,
        tag: str | Iterable[str] | None = None,
        owner: str | Iterable[str] | None = None,
        classification: str | Iterable[str] | None = None,
        status: str | Iterable[str] | None = None,
        layer: str | Iterable[str] | None = None,
        kind: str | Iterable[str] | None = None,
        limit: int = 25,
    ) -> SearchResults:
        """`mesh.search(query="customer", domain=["Sales", "Marketing"], limit=25)`: hits best first, with facets."""
        params: list[tuple[str, str | int]] = [("q", query), ("limit", limit)]
        named = {
            "domain": domain,
            "tag": tag,
            "owner": owner,
            "classification": classification,
            "status": status,
            "layer": layer,
            "kind": kind,
        }
        for source in (filters or {}, named):
            for key, value in source.items():
                params.extend((key, v) for v in _listed(value))
        return SearchResults.model_validate(self._http.json("GET", "/api/v1/search", params=params))

    # -- access requests -------------------------------------------------------------------------
    def request_access(
        self,
        product: str,
        purpose: str,
        reason: str | None = None,
        *,
        columns: Iterable[str] | None = None,
        duration: str | None = "90d",
        grantee: str | None = None,
    ) -> AccessRequest:
        """`request_access(product, purpose)`, or the seed's `request_access(product, requester, reason)`."""
        if reason is not None:
            if grantee is not None:
                raise invalid("grantee", "give the requester as the second argument or as grantee=, not both")
            purpose, grantee = reason, purpose
        body = {
            "product": product,
            "purpose": purpose,
            "columns": list(columns) if columns is not None else None,
            "duration": duration,
            "grantee": grantee,
        }
        return AccessRequest.model_validate(self._http.json("POST", "/api/v1/access-requests", json=body))

    def list_access_requests(
        self, *, state: str | None = None, role: str | None = None, product: str | None = None
    ) -> list[AccessRequest]:
        items = self._http.pages("/api/v1/access-requests", {"state": state, "role": role, "product": product})
        return [AccessRequest.model_validate(r) for r in items]

    def get_access_request(self, request_id: str) -> AccessRequest:
        return AccessRequest.model_validate(self._http.json("GET", f"/api/v1/access-requests/{_seg(request_id)}"))

    def approve_access_request(
        self, request_id: str, *, columns: Iterable[str] | None = None, duration: str | None = None, note: str = ""
    ) -> AccessRequest:
        body = {"columns": list(columns) if columns is not None else None, "duration": duration, "note": note}
        url = f"/api/v1/access-requests/{_seg(request_id)}/approve"
        return AccessRequest.model_validate(self._http.json("POST", url, json=body))

    def deny_access_request(self, request_id: str, reason: str) -> AccessRequest:
        url = f"/api/v1/access-requests/{_seg(request_id)}/deny"
        return AccessRequest.model_validate(self._http.json("POST", url, json={"reason": reason}))

    def cancel_access_request(self, request_id: str) -> AccessRequest:
        url = f"/api/v1/access-requests/{_seg(request_id)}/cancel"
        return AccessRequest.model_validate(self._http.json("POST", url))

    # -- grants ----------------------------------------------------------------------------------
    def list_grants(self, *, product: str | None = None, state: str | None = "active") -> list[Grant]:
        items = self._http.pages("/api/v1/grants", {"product": product, "state": state or "all"})
        return [Grant.model_validate(g) for g in items]

    def revoke_grant(self, grant_id: str, *, reason: str = "") -> Grant:
        url = f"/api/v1/grants/{_seg(grant_id)}"
        return Grant.model_validate(self._http.json("DELETE", url, params={"reason": reason} if reason else None))

    # -- masking and governed SQL ----------------------------------------------------------------
    def get_masking_policy(self) -> dict[str, str]:
        return dict(self._http.json("GET", "/api/v1/masking")["labels"])

    def set_masking_policy(self, labels: dict[str, str]) -> dict[str, str]:
        return dict(self._http.json("PUT", "/api/v1/masking", json={"labels": labels})["labels"])

    def sql(self, sql: str, *, limit: int | None = None, query_id: str | None = None) -> pa.Table:
        """A governed read query, returned as a pyarrow Table (sent as an Arrow stream)."""
        body = {"sql": sql, "format": "arrow", "limit": limit, "id": query_id}
        response = self._http.request("POST", "/api/v1/query", json=body)
        return pa.ipc.open_stream(response.content).read_all()

    def cancel_query(self, query_id: str) -> None:
        self._http.request("POST", f"/api/v1/query/{quote(query_id)}/cancel")

    def query_history(self, *, limit: int = 20) -> list[QueryHistoryEntry]:
        page = self._http.json("GET", "/api/v1/query/history", params={"limit": limit})
        return [QueryHistoryEntry.model_validate(item) for item in page["items"]]
