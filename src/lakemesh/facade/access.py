"""Discovery and access on the in-process `Mesh`: search, access requests, grants, masking and governed SQL."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from lakemesh.access.models import (
    AccessDecision,
    AccessDenial,
    AccessRequest,
    AccessRequestCreate,
    Grant,
    GrantRevoke,
    MaskingPolicy,
    QueryHistoryEntry,
)
from lakemesh.auth.models import Principal
from lakemesh.core.errors import invalid
from lakemesh.core.pages import Page
from lakemesh.core.validation import parse_model
from lakemesh.discovery.models import SearchQuery, SearchResults
from lakemesh.platform import Platform


def _many(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def search_query(query: str, filters: dict[str, Any] | None, limit: int, **named: Any) -> SearchQuery:
    """Named filters (`domain=[...]`) and the seed's `filters={"domain": [...]}` both work; values may be lists."""
    merged: dict[str, list[str]] = {}
    for source in (filters or {}, named):
        for key, value in source.items():
            if value is not None:
                merged.setdefault(key, []).extend(_many(value))
    return parse_model(SearchQuery, {"q": query, "limit": limit, **merged})


class AccessMethods:
    platform: Platform
    principal: Principal

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
        spec = search_query(
            query,
            filters,
            limit,
            domain=domain,
            tag=tag,
            owner=owner,
            classification=classification,
            status=status,
            layer=layer,
            kind=kind,
        )
        return self.platform.discovery.search(self.principal, spec)

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
        """Ask for a product (`sales/customer-360`, or a unique name such as `Customer 360`).

        The seed's `request_access(product, requester, reason)` works too: the requester is the grantee."""
        if reason is not None:
            if grantee is not None:
                raise invalid("grantee", "give the requester as the second argument or as grantee=, not both")
            purpose, grantee = reason, purpose
        spec = parse_model(
            AccessRequestCreate,
            {
                "product": product,
                "purpose": purpose,
                "columns": list(columns) if columns is not None else None,
                "duration": duration,
                "grantee": grantee,
            },
        )
        return self.platform.access.request(self.principal, spec)

    def list_access_requests(
        self, *, state: str | None = None, role: str | None = None, product: str | None = None
    ) -> list[AccessRequest]:
        return _all(
            lambda cursor: self.platform.access.list_requests(
                self.principal, state=state, role=role, product=product, limit=500, cursor=cursor
            )
        )

    def get_access_request(self, request_id: str) -> AccessRequest:
        return self.platform.access.get_request(self.principal, request_id)

    def approve_access_request(
        self, request_id: str, *, columns: Iterable[str] | None = None, duration: str | None = None, note: str = ""
    ) -> AccessRequest:
        decision = parse_model(
            AccessDecision,
            {"columns": list(columns) if columns is not None else None, "duration": duration, "note": note},
        )
        return self.platform.access.approve(self.principal, request_id, decision)

    def deny_access_request(self, request_id: str, reason: str) -> AccessRequest:
        return self.platform.access.deny(self.principal, request_id, parse_model(AccessDenial, {"reason": reason}))

    def cancel_access_request(self, request_id: str) -> AccessRequest:
        return self.platform.access.cancel(self.principal, request_id)

    # -- grants ----------------------------------------------------------------------------------
    def list_grants(self, *, product: str | None = None, state: str | None = "active") -> list[Grant]:
        return _all(
            lambda cursor: self.platform.access.list_grants(
                self.principal, product=product, state=state, limit=500, cursor=cursor
            )
        )

    def revoke_grant(self, grant_id: str, *, reason: str = "") -> Grant:
        return self.platform.access.revoke(self.principal, grant_id, GrantRevoke(reason=reason))

    # -- masking and governed SQL ----------------------------------------------------------------
    def get_masking_policy(self) -> dict[str, str]:
        return dict(self.platform.reads.get_policy(self.principal).labels)

    def set_masking_policy(self, labels: dict[str, str]) -> dict[str, str]:
        policy = parse_model(MaskingPolicy, {"labels": labels})
        return dict(self.platform.reads.set_policy(self.principal, policy).labels)

    def sql(self, sql: str, *, limit: int | None = None, query_id: str | None = None) -> pa.Table:
        """A governed read query: `<domain>.<lakehouse>.<table>` or `product.<domain>.<product>`, masked for you.

        With a `query_id` of your choice, `cancel_query(query_id)` (from another thread) stops it while it runs."""
        return self.platform.query.run(self.principal, sql, limit=limit, query_id=query_id).table

    def cancel_query(self, query_id: str) -> None:
        self.platform.query.cancel(self.principal, query_id)

    def query_history(self, *, limit: int = 20) -> list[QueryHistoryEntry]:
        """Your latest queries that ran, newest first."""
        return self.platform.query.history(self.principal, limit=limit)


def _all(fetch: Any) -> list[Any]:
    items: list[Any] = []
    cursor = None
    while True:
        page: Page[Any] = fetch(cursor)
        items.extend(page.items)
        if not page.next_cursor:
            return items
        cursor = page.next_cursor
