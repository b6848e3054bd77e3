"""The web UI's view of capabilities that other packages provide (search, access, quality, query).

Each is found on the Platform by attribute; when it is missing the page shows a "not available yet" state
instead of failing. Their models are imported only once the capability is there.
"""

from __future__ import annotations

from typing import Any

from lakemesh.auth.models import Principal
from lakemesh.core.errors import Forbidden, NotFound
from lakemesh.metrics.directory import ProductCard
from lakemesh.metrics.hooks import compliance_scope, installed_capabilities
from lakemesh.platform import Platform
from lakemesh.products.views import DataProduct

SearchOutcome = tuple[list[ProductCard], int, dict[str, list[tuple[str, int]]], str]


def installed(platform: Platform) -> set[str]:
    return installed_capabilities(platform)


def _service(platform: Platform, *names: str, method: str) -> Any:
    for name in names:
        service = getattr(platform, name, None)
        if service is not None and callable(getattr(service, method, None)):
            return service
    return None


def search(platform: Platform, me: Principal, q: str, chosen: dict[str, str], limit: int) -> SearchOutcome | None:
    """Discovery's ranked, typo-tolerant search when it is installed; None means: list the catalog instead."""
    service = _service(platform, "discovery", "search", method="search")
    if service is None:
        return None
    from lakemesh.discovery.models import SearchQuery

    filters = {key: [value] for key, value in chosen.items() if value}
    results = service.search(me, SearchQuery(q=q, kind=["product"], limit=limit, **filters))
    cards = [
        ProductCard(
            qualified_name=hit.qualified_name,
            name=hit.name,
            domain=hit.domain,
            owner=hit.owner or "",
            description=hit.description,
            tags=list(hit.tags),
            classification=hit.classification,
            status=hit.status or "",
            version="",
            updated_at=platform.clock.now(),
            quality_score=hit.quality_score,
        )
        for hit in results.items
    ]
    facets = {key: [(f.value, f.count) for f in found] for key, found in results.facets.items()}
    return cards, int(results.total), facets, "ranked search"


def sla_status(platform: Platform, me: Principal, product: DataProduct) -> str | None:
    found = sla_of(platform, me, product)
    return None if found is None else str(found.status)


def sla_of(platform: Platform, me: Principal, product: DataProduct) -> Any:
    """Each SLA objective measured now (target, current value, status), as `GET .../sla` returns it."""
    service = _service(platform, "quality", method="sla")
    if service is None:
        return None
    try:
        return service.sla(me, product.domain, product.slug)
    except (NotFound, Forbidden):
        return None


def open_incidents(platform: Platform, me: Principal, product: DataProduct) -> list[Any] | None:
    """The product's open incidents, newest first (None when incidents are not installed): the health badge."""
    service = _service(platform, "incidents", method="of_product")
    if service is None:
        return None
    try:
        found: list[Any] = service.of_product(me, product.domain, product.slug)
    except (NotFound, Forbidden):
        return None
    return found


def subscription_of(platform: Platform, me: Principal, product: DataProduct) -> tuple[bool, list[Any]] | None:
    """Whether `me` follows the product (directly or by a grant) and its current announcements; None when
    subscriptions are not installed."""
    service = _service(platform, "subscriptions", method="subscriptions")
    if service is None:
        return None
    try:
        mine = service.subscriptions(me, product.domain, product.slug)
        announcements: list[Any] = service.announcements(me, product.domain, product.slug)
    except (NotFound, Forbidden):
        return None
    return any(s.kind == "principal" and s.subscriber == me.name for s in mine), announcements


def latest_quality_run(platform: Platform, me: Principal, product: DataProduct) -> Any:
    """The newest quality run with each rule's result, as `GET .../quality-runs?limit=1` returns it."""
    service = _service(platform, "quality", method="runs")
    if service is None:
        return None
    try:
        runs = service.runs(me, product.domain, product.slug, limit=1).items
    except (NotFound, Forbidden):
        return None
    return runs[0] if runs else None


def can_request_access(platform: Platform) -> bool:
    return _service(platform, "access", method="request") is not None


def query_service(platform: Platform) -> Any:
    return _service(platform, "query", "queries", method="run")


def governance_overview(platform: Platform, me: Principal) -> dict[str, Any] | None:
    """Policies (the mesh's rules: everyone reads them), open violations and compliance of the viewer's domains."""
    service = getattr(platform, "governance", None)
    if service is None:
        return None
    policies = service.list_policies(me, limit=SHOWN)
    violations = service.compliance.violations(me, status="open", limit=SHOWN)
    report = service.compliance.report(me)
    return {
        "title": "Governance",
        "policies": list(policies.items),
        "more_policies": bool(policies.next_cursor),
        "violations": list(violations.items),
        "more_violations": bool(violations.next_cursor),
        "report": report,
        "scope": compliance_scope(report, me),
    }


def decidable_suggestions(platform: Platform, me: Principal) -> list[Any] | None:
    """Pending classification suggestions `me` may decide, across tables; None without the capability."""
    service = getattr(platform, "classification", None)
    if service is None:
        return None
    return list(service.decidable_suggestions(me, limit=SHOWN + 1))


def table_violations(platform: Platform, me: Principal, table: tuple[str, str, str]) -> list[Any] | None:
    """Open violations of a table and its columns; None when governance is not installed."""
    service = getattr(platform, "governance", None)
    if service is None:
        return None
    try:
        return list(service.compliance.violations(me, status="open", table=table, limit=SHOWN).items)
    except (NotFound, Forbidden):
        return []


def pipelines_of(platform: Platform, me: Principal, domain: str) -> list[tuple[Any, list[Any]]] | None:
    """Each pipeline of the domain with its latest runs; None when the viewer may not see them."""
    service = _service(platform, "pipelines", method="list_pipelines")
    if service is None:
        return []
    try:
        pipelines = service.list_pipelines(me, domain)
        return [(p, list(service.list_runs(me, domain, p.slug, limit=RUNS_SHOWN).items)) for p in pipelines]
    except (NotFound, Forbidden):
        return None


def grants_on(platform: Platform, me: Principal, product: str) -> list[Any] | None:
    """Active grants on a product that the viewer may see (approvers: all of them; others: their own)."""
    service = _service(platform, "access", method="list_grants")
    if service is None:
        return None
    try:
        return list(service.list_grants(me, product=product, state="active", limit=200).items)
    except (NotFound, Forbidden):
        return []


SHOWN = 100
RUNS_SHOWN = 5
