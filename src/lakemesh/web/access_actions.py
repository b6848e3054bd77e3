"""The web UI's calls on the access service: request, decide (narrowing), cancel, revoke, and what waits.

The access service keeps every rule (who decides, what may only narrow, who may revoke); this module only turns
form fields into its inputs and its answers into what the pages show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lakemesh.access.models import RequestState
from lakemesh.auth.models import Principal
from lakemesh.core.errors import Forbidden, NotFound
from lakemesh.platform import Platform

DURATIONS = ("7d", "30d", "90d", "180d", "366d")
SHOWN = 100


def service_of(platform: Platform) -> Any:
    service = getattr(platform, "access", None)
    if service is None or not callable(getattr(service, "request", None)):
        raise NotFound("Access requests are not available on this platform")
    return service


def installed(platform: Platform) -> bool:
    return callable(getattr(getattr(platform, "access", None), "list_requests", None))


def chosen_columns(picked: list[str], offered: list[str]) -> list[str] | None:
    """Ticking every offered box (or none) means "what was asked": no narrowing, so no column list is sent.

    An explicit list would unmask labelled columns it names, so "all" must stay "all", never become a list.
    """
    kept = [c for c in picked if c]
    if not kept or {c.lower() for c in kept} == {c.lower() for c in offered}:
        return None
    return kept


def request(
    platform: Platform,
    me: Principal,
    product: str,
    purpose: str,
    columns: list[str] | None,
    duration: str,
    accept_terms: bool = False,
) -> Any:
    from lakemesh.access.models import AccessRequestCreate
    from lakemesh.core.validation import parse_model

    spec: dict[str, Any] = {"product": product, "purpose": purpose.strip(), "columns": columns}
    spec |= {"duration": duration or None, "accept_terms": accept_terms}
    return service_of(platform).request(me, parse_model(AccessRequestCreate, spec))


def my_pending_on(platform: Platform, me: Principal, product: str) -> Any:
    """The viewer's own pending request on a product, if any (to explain a second submission in place)."""
    if not installed(platform):
        return None
    found = service_of(platform).list_requests(
        me, role="requester", state=RequestState.PENDING, product=product, limit=1
    )
    return found.items[0] if found.items else None


def decide(
    platform: Platform, me: Principal, request_id: str, approve: bool, reason: str, columns: list[str] | None,
    duration: str | None, obligations: str = "",
) -> Any:  # fmt: skip
    from lakemesh.access.models import AccessDecision, AccessDenial
    from lakemesh.core.validation import parse_model

    service = service_of(platform)
    if approve:
        lines = [line.strip() for line in obligations.splitlines() if line.strip()]
        decision = {"columns": columns, "duration": duration, "obligations": lines}
        return service.approve(me, request_id, parse_model(AccessDecision, decision))
    return service.deny(me, request_id, parse_model(AccessDenial, {"reason": reason}))


def cancel(platform: Platform, me: Principal, request_id: str) -> Any:
    return service_of(platform).cancel(me, request_id)


def revoke(platform: Platform, me: Principal, grant_id: str, reason: str) -> Any:
    from lakemesh.access.models import GrantRevoke
    from lakemesh.core.validation import parse_model

    return service_of(platform).revoke(me, grant_id, parse_model(GrantRevoke, {"reason": reason.strip()}))


def revocable(platform: Platform, me: Principal, grant_ids: list[str]) -> set[str]:
    if not grant_ids or not installed(platform):
        return set()
    found: set[str] = service_of(platform).revocable(me, grant_ids)
    return found


def pending_count(platform: Platform, me: Principal) -> int:
    """Requests waiting for the viewer's decision: the header's badge (one count query per page)."""
    if not installed(platform):
        return 0
    count: int = service_of(platform).waiting_count(me)
    return count


@dataclass
class AccessOverview:
    to_approve: list[Any]
    decided: list[Any]
    mine: list[Any]
    columns_of: dict[str, list[str]] = field(default_factory=dict)
    agreements: list[Any] = field(default_factory=list)


def overview(platform: Platform, me: Principal) -> AccessOverview | None:
    """Waiting for my decision, what I decided before (the history), and my own requests; None when not installed."""
    if not installed(platform):
        return None
    service = service_of(platform)
    approving = list(service.list_requests(me, role="approver", limit=SHOWN).items)
    mine = list(service.list_requests(me, role="requester", limit=SHOWN).items)
    to_approve = [r for r in approving if r.state == RequestState.PENDING]
    decided = [r for r in approving if r.state != RequestState.PENDING]
    columns_of = {r.id: _offered_columns(platform, me, r) for r in to_approve}
    agreements = list(platform.agreements.list_agreements(me, limit=SHOWN).items)
    return AccessOverview(to_approve, decided, mine, columns_of, agreements)


def _offered_columns(platform: Platform, me: Principal, item: Any) -> list[str]:
    """What an approver may keep: the requested columns, or every column of the contract when all were asked."""
    if item.columns:
        return [str(c) for c in item.columns]
    domain, _, slug = item.product.partition("/")
    try:
        product = platform.products.get(me, domain, slug)
    except (NotFound, Forbidden):
        return []
    return [str(name) for name in (product.contract.get("schema") or {})]
