"""Discovery and access on the in-process `Mesh`: search, access requests, grants, masking and governed SQL."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from lakemesh.access.models import (
    AccessDecision,
    AccessDenial,
    AccessRequest,
    AccessRequestCreate,
    AgreementRenewal,
    Grant,
    GrantRevoke,
    MaskingPolicy,
    QueryHistoryEntry,
    UsageAgreement,
)
from lakemesh.auth.models import Principal
from lakemesh.core.errors import invalid
from lakemesh.core.validation import parse_model
from lakemesh.discovery.models import SearchQuery, SearchResults
from lakemesh.facade.operation import Args, every, remote

if TYPE_CHECKING:
    from lakemesh.platform import Platform
    from lakemesh.sdk.transport import Transport

FILTERS = ("domain", "tag", "term", "owner", "classification", "status", "layer", "kind")
REQUEST = "/api/v1/access-requests/{request_id}"


def _many(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def search_query(
    query: str, filters: dict[str, Any] | None, limit: int, has_open_incident: bool | None = None, **named: Any
) -> SearchQuery:
    """Named filters (`domain=[...]`) and the seed's `filters={"domain": [...]}` both work; values may be lists."""
    merged: dict[str, list[str]] = {}
    flags = {"has_open_incident": has_open_incident} if has_open_incident is not None else {}
    for source in (filters or {}, named):
        for key, value in source.items():
            if key == "has_open_incident" and value is not None:
                flags[key] = value
            elif value is not None:
                merged.setdefault(key, []).extend(_many(value))
    return parse_model(SearchQuery, {"q": query, "limit": limit, **merged, **flags})


def _search_query(a: Args) -> SearchQuery:
    named = {name: a[name] for name in FILTERS}
    return search_query(a["query"], a["filters"], a["limit"], a["has_open_incident"], **named)


def _search(http: Transport, path: str, a: Args) -> SearchResults:
    params = _search_query(a).model_dump(mode="json", exclude={"offset"}, exclude_none=True)
    return SearchResults.model_validate(http.json("GET", path, params=params))


def _access_request(a: Args) -> dict[str, Any]:
    """The seed's `request_access(product, requester, reason)` works too: the requester is the grantee."""
    purpose, grantee = a["purpose"], a["grantee"]
    if a["reason"] is not None:
        if grantee is not None:
            raise invalid("grantee", "give the requester as the second argument or as grantee=, not both")
        purpose, grantee = a["reason"], purpose
    columns = list(a["columns"]) if a["columns"] is not None else None
    return {
        "product": a["product"],
        "purpose": purpose,
        "columns": columns,
        "duration": a["duration"],
        "grantee": grantee,
        "accept_terms": a["accept_terms"],
    }


def _decision(a: Args) -> dict[str, Any]:
    return {"columns": list(a["columns"]) if a["columns"] is not None else None} | {
        "duration": a["duration"],
        "note": a["note"],
        "obligations": list(a["obligations"] or []),
    }


def _list_grants(http: Transport, path: str, a: Args) -> list[Grant]:
    items = http.pages(path, {"product": a["product"], "state": a["state"] or "all"})
    return [Grant.model_validate(g) for g in items]


def _masking(http: Transport, path: str, a: Args) -> dict[str, str]:
    body = {"labels": a["labels"]} if "labels" in a else None
    return dict(http.json("PUT" if body else "GET", path, json=body)["labels"])


def _sql(http: Transport, path: str, a: Args) -> pa.Table:
    return http.arrow("POST", path, json={"sql": a["sql"], "format": "arrow", "limit": a["limit"], "id": a["query_id"]})


class AccessMethods:
    platform: Platform
    principal: Principal

    # -- discovery -------------------------------------------------------------------------------
    @remote("GET", "/api/v1/search", call=_search)
    def search(
        self,
        query: str = "",
        *,
        filters: dict[str, Any] | None = None,
        domain: str | Iterable[str] | None = None,
        tag: str | Iterable[str] | None = None,
        term: str | Iterable[str] | None = None,
        owner: str | Iterable[str] | None = None,
        classification: str | Iterable[str] | None = None,
        status: str | Iterable[str] | None = None,
        layer: str | Iterable[str] | None = None,
        kind: str | Iterable[str] | None = None,
        limit: int = 25,
        has_open_incident: bool | None = None,
    ) -> SearchResults:
        """`mesh.search(query="customer", domain=["Sales", "Marketing"], limit=25)`: hits best first, with facets;
        `has_open_incident=True` keeps products with an open incident (False: products without); `term="Customer"`
        keeps objects linked to that glossary term (on themselves or, for products and tables, on a column)."""
        spec = _search_query(locals())
        return self.platform.discovery.search(self.principal, spec)

    # -- access requests -------------------------------------------------------------------------
    @remote("POST", "/api/v1/access-requests", body=_access_request)
    def request_access(
        self,
        product: str,
        purpose: str,
        reason: str | None = None,
        *,
        columns: Iterable[str] | None = None,
        duration: str | None = "90d",
        grantee: str | None = None,
        accept_terms: bool = False,
    ) -> AccessRequest:
        """Ask for a product (`sales/customer-360`, or a unique name such as `Customer 360`); `accept_terms=True`
        accepts its usage terms (needed when it has any).

        The seed's `request_access(product, requester, reason)` works too: the requester is the grantee."""
        spec = parse_model(AccessRequestCreate, _access_request(locals()))
        return self.platform.access.request(self.principal, spec)

    @remote("GET", "/api/v1/access-requests", query=("state", "role", "product"), pages=True)
    def list_access_requests(
        self, *, state: str | None = None, role: str | None = None, product: str | None = None
    ) -> list[AccessRequest]:
        return every(
            lambda cursor: self.platform.access.list_requests(
                self.principal, state=state, role=role, product=product, limit=500, cursor=cursor
            )
        )

    @remote("GET", REQUEST)
    def get_access_request(self, request_id: str) -> AccessRequest:
        return self.platform.access.get_request(self.principal, request_id)

    @remote("POST", REQUEST + "/approve", body=_decision)
    def approve_access_request(
        self,
        request_id: str,
        *,
        columns: Iterable[str] | None = None,
        duration: str | None = None,
        note: str = "",
        obligations: Iterable[str] | None = None,
    ) -> AccessRequest:
        """Grant the request (optionally narrowed); the grant becomes a usage agreement, with the product's usage
        terms and your `obligations` for the consumer."""
        decision = parse_model(AccessDecision, _decision(locals()))
        return self.platform.access.approve(self.principal, request_id, decision)

    @remote("POST", REQUEST + "/deny", body=("reason",))
    def deny_access_request(self, request_id: str, reason: str) -> AccessRequest:
        return self.platform.access.deny(self.principal, request_id, parse_model(AccessDenial, {"reason": reason}))

    @remote("POST", REQUEST + "/cancel")
    def cancel_access_request(self, request_id: str) -> AccessRequest:
        return self.platform.access.cancel(self.principal, request_id)

    # -- grants ----------------------------------------------------------------------------------
    @remote("GET", "/api/v1/grants", call=_list_grants)
    def list_grants(self, *, product: str | None = None, state: str | None = "active") -> list[Grant]:
        return every(
            lambda cursor: self.platform.access.list_grants(
                self.principal, product=product, state=state, limit=500, cursor=cursor
            )
        )

    @remote("DELETE", "/api/v1/grants/{grant_id}", query=("reason",))
    def revoke_grant(self, grant_id: str, *, reason: str = "") -> Grant:
        return self.platform.access.revoke(self.principal, grant_id, GrantRevoke(reason=reason))

    # -- usage agreements ------------------------------------------------------------------------
    @remote("GET", "/api/v1/agreements", query=("product", "state"), pages=True)
    def list_agreements(self, *, product: str | None = None, state: str | None = None) -> list[UsageAgreement]:
        """The usage agreements you are a party to (as consumer or provider): `state` active, expired or ended."""
        return every(
            lambda cursor: self.platform.agreements.list_agreements(
                self.principal, product=product, state=state, limit=500, cursor=cursor
            )
        )

    @remote("GET", "/api/v1/agreements/{agreement_id}")
    def get_agreement(self, agreement_id: str) -> UsageAgreement:
        """One usage agreement with every version of its terms."""
        return self.platform.agreements.get(self.principal, agreement_id)

    @remote("POST", "/api/v1/agreements/{agreement_id}/renew", body=("duration", "note"))
    def renew_agreement(self, agreement_id: str, *, duration: str | None = None, note: str = "") -> UsageAgreement:
        """Extend an agreement in force from its end (a new version); the product's owner and domain Admins."""
        renewal = parse_model(AgreementRenewal, {"duration": duration, "note": note})
        return self.platform.agreements.renew(self.principal, agreement_id, renewal)

    # -- masking and governed SQL ----------------------------------------------------------------
    @remote("GET", "/api/v1/masking", call=_masking)
    def get_masking_policy(self) -> dict[str, str]:
        return dict(self.platform.reads.get_policy(self.principal).labels)

    @remote("PUT", "/api/v1/masking", call=_masking)
    def set_masking_policy(self, labels: dict[str, str]) -> dict[str, str]:
        policy = parse_model(MaskingPolicy, {"labels": labels})
        return dict(self.platform.reads.set_policy(self.principal, policy).labels)

    @remote("POST", "/api/v1/query", call=_sql)
    def sql(self, sql: str, *, limit: int | None = None, query_id: str | None = None) -> pa.Table:
        """A governed read query: `<domain>.<lakehouse>.<table>` or `product.<domain>.<product>`, masked for you.

        With a `query_id` of your choice, `cancel_query(query_id)` (from another thread) stops it while it runs."""
        return self.platform.query.run(self.principal, sql, limit=limit, query_id=query_id).table

    @remote("POST", "/api/v1/query/{query_id}/cancel")
    def cancel_query(self, query_id: str) -> None:
        self.platform.query.cancel(self.principal, query_id)

    @remote("GET", "/api/v1/query/history", query=("limit",))
    def query_history(self, *, limit: int = 20) -> list[QueryHistoryEntry]:
        """Your latest queries that ran, newest first."""
        return self.platform.query.history(self.principal, limit=limit)
