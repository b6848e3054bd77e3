"""Marketplace (search with facets) and the product page (contract, versions, preview, request access)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lakemesh.auth.authorize import Resource
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.core.errors import Forbidden, NotFound
from lakemesh.lineage.models import LineageGraph
from lakemesh.metrics.directory import ProductCard
from lakemesh.platform import Platform
from lakemesh.products.status import VISIBLE_TO_ALL, ProductStatus
from lakemesh.products.views import DataProduct
from lakemesh.web import access_actions, capabilities, formatting
from lakemesh.web.lineage_svg import lineage_svg, node_href
from lakemesh.web.product_facts import badge_cards, with_badges
from lakemesh.web.profile_views import product_profile, product_terms
from lakemesh.web.render import Viewer, WebRoute, environment, page, platform_of, require_csrf
from lakemesh.web.svg import line_chart

router = APIRouter(route_class=WebRoute, include_in_schema=False)
FormText = Annotated[str | None, Form()]
FACETS = [("domain", "Domain"), ("tag", "Tag"), ("term", "Glossary term"), ("owner", "Owner"),
          ("classification", "Classification"), ("status", "Status")]  # fmt: skip
SHOWN = 50
PREVIEW_ROWS = 20


@dataclass
class Facet:
    key: str
    label: str
    selected: str
    options: list[tuple[str, int]]


@router.get("/marketplace", response_class=HTMLResponse)
def marketplace(
    request: Request,
    me: Viewer,
    q: str = "",
    domain: str = "",
    tag: str = "",
    term: str = "",
    owner: str = "",
    classification: str = "",
    status: str = "",
) -> Response:
    platform = platform_of(request)
    chosen = {"domain": domain, "tag": tag, "term": term, "owner": owner, "classification": classification}
    chosen["status"] = status
    found = capabilities.search(platform, me, q, chosen, SHOWN)
    if found is not None:
        cards, total, counts, source = found
    else:
        matching = [c for c in platform.metrics.directory(me) if _matches(c, q, chosen)]
        cards, total, counts, source = matching[:SHOWN], len(matching), _facet_counts(matching), ""
    cards = with_badges(platform, me, cards)
    if total == len(cards):  # counts for the current result set, so "Confidential (2)" never shows 1 result
        counts = {**_facet_counts(cards), "term": counts.get("term", [])}  # cards do not carry their terms
    facets = [Facet(key, label, chosen[key], _keep_selected(counts.get(key, []), chosen[key])) for key, label in FACETS]
    context = {
        "q": q,
        "facets": facets,
        "cards": cards,
        "total": total,
        "more": total > len(cards),
        "source": source,
        "filtered": bool(q or any(chosen.values())),
    }
    return page(request, "marketplace.html", context)


def _keep_selected(options: list[tuple[str, int]], selected: str) -> list[tuple[str, int]]:
    """A chosen value stays in its list (with 0) so the select shows what is applied."""
    if selected and selected.lower() not in (value.lower() for value, _ in options):
        return [*options, (selected, 0)]
    return options


def _matches(card: ProductCard, q: str, chosen: dict[str, str]) -> bool:
    if q:
        text = " ".join([card.name, card.description, card.domain, card.owner, *card.tags]).lower()
        if not all(word in text for word in q.lower().split()):
            return False
    values = _facet_values(card)
    return all(not want or want.lower() in (v.lower() for v in values[key]) for key, want in chosen.items())


def _facet_values(card: ProductCard) -> dict[str, list[str]]:
    return {
        "domain": [card.domain],
        "tag": card.tags,
        "term": [],  # known to search only
        "owner": [card.owner],
        "classification": [card.classification] if card.classification else [],
        "status": [card.status],
    }


def _facet_counts(cards: list[ProductCard]) -> dict[str, list[tuple[str, int]]]:
    counts: dict[str, dict[str, int]] = {key: {} for key, _ in FACETS}
    for card in cards:
        for key, values in _facet_values(card).items():
            for value in values:
                counts[key][value] = counts[key].get(value, 0) + 1
    return {key: sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[:30] for key, found in counts.items()}


@router.get("/products/{domain}/{product}", response_class=HTMLResponse)
def product_page(request: Request, me: Viewer, domain: str, product: str, notice: str = "") -> Response:
    platform = platform_of(request)
    found = find_product(platform, me, domain, product)
    return page(request, "product.html", {**product_context(platform, me, found), "notice": notice[:200]})


def find_product(platform: Platform, me: Principal, domain: str, product: str) -> DataProduct:
    """The product as its domain sees it; for outsiders, the published listing the marketplace shows everyone.

    The products service lists published products to everyone but reads them only for members and grantees;
    Forbidden (not NotFound) means the product is visible, so its public listing is shown, read once directly.
    """
    try:
        return platform.products.get(me, domain, product)
    except Forbidden:
        listed = platform.products.get(platform.principals.bootstrap_admin(), domain, product)
        if listed.status not in VISIBLE_TO_ALL:
            raise NotFound(f"Data product {domain}/{product} not found") from None
        return listed


def product_context(platform: Platform, me: Principal, product: DataProduct) -> dict[str, Any]:
    try:
        domain_id: str | None = platform.domains.get(me, product.domain).id
    except Forbidden:  # an outsider: no role in the product's domain, so nothing to publish
        domain_id = None
    resource = Resource("product", product.qualified_name, domain_id, visible=True)
    member = domain_id is not None and platform.authorizer.role_in(me, domain_id) is not None
    preview, note = _preview(platform, me, product)
    points = platform.metrics.quality_history(product.qualified_name)
    sla = capabilities.sla_of(platform, me, product)  # measured first: the badge below includes it
    return {
        "product": product,
        "card": badge_cards(platform, me, [product.qualified_name]).get(product.qualified_name),
        "columns": _with_table_labels(platform, product, _columns(product.contract)),
        "sla": product.contract.get("sla") or {},
        "sla_status": None if sla is None else sla.status,
        "sla_measured": sla,
        "latest_run": capabilities.latest_quality_run(platform, me, product),
        "incidents": capabilities.open_incidents(platform, me, product),
        "following": capabilities.subscription_of(platform, me, product),
        "versions": _versions(platform, me, product),
        "can_publish": product.status == ProductStatus.DRAFT
        and domain_id is not None
        and platform.authorizer.can(me, Action.PRODUCT_PUBLISH, resource),
        "can_share_profile": not member and platform.sharing_profiles.covers(me, product.qualified_name),
        "can_request": preview is None
        and product.status == ProductStatus.PUBLISHED
        and capabilities.can_request_access(platform)
        and not member,
        "preview": preview,
        "preview_note": note,
        "quality_points": points,
        "quality_chart": line_chart("Quality score (%)", points) if points else "",
        **_lineage_and_consumers(platform, me, product),
        "terms": product_terms(platform, me, product.domain, product.slug),
        "profile": product_profile(platform, me, product.table),
    }


@dataclass(frozen=True)
class Consumer:
    name: str
    kind: str
    detail: str
    href: str | None = None
    revocable_grant: str | None = None  # a grant the viewer may revoke from this list


def _lineage_and_consumers(platform: Platform, me: Principal, product: DataProduct) -> dict[str, Any]:
    """Who reads a product: grantees the viewer may see, and products or pipelines downstream of it."""
    graph = _lineage_around(platform, me, f"product:{product.qualified_name}")
    grants = capabilities.grants_on(platform, me, product.qualified_name)
    revocable = access_actions.revocable(platform, me, [grant.id for grant in grants or []])
    consumers = [
        Consumer(grant.grantee, f"{grant.grantee_kind} grant", _grant_detail(grant), None,
                 grant.id if grant.id in revocable else None)
        for grant in grants or []
    ]  # fmt: skip
    root = f"product:{product.qualified_name}"
    if graph is not None:
        names = {node.id: node for node in graph.nodes}
        for edge in graph.edges:
            if edge.source == root and edge.target in names:
                node = names[edge.target]
                detail = "input port" if edge.kind == "input_port" else edge.kind
                consumers.append(Consumer(node.name, node.kind, detail, node_href(node)))
    return {
        "lineage": graph,
        "lineage_svg": lineage_svg(graph) if graph is not None and graph.edges else "",
        "consumers": consumers,
        "can_revoke": bool(revocable),
        "grants_shown": grants is not None,
    }


def _lineage_around(platform: Platform, me: Principal, node: str) -> LineageGraph | None:
    """Upstream and downstream of the product in one walk (no siblings: other products on the same table)."""
    try:
        return platform.lineage.around(me, node)
    except (NotFound, Forbidden):
        return None


def _grant_detail(grant: Any) -> str:
    columns = ", ".join(grant.columns) if grant.columns else "all unlabelled columns"
    until = f" until {grant.expires_at:%Y-%m-%d}" if grant.expires_at else ""
    return f"{columns}{until}"


def _versions(platform: Platform, me: Principal, product: DataProduct) -> list[Any]:
    try:
        return list(platform.products.versions(me, product.domain, product.slug))
    except Forbidden:  # outsiders see the current version only
        return []


def _with_table_labels(platform: Platform, product: DataProduct, columns: list[dict[str, str]]) -> list[dict[str, str]]:
    """Each column's label as masking applies it: the table's label (set by owners and stewards), else the contract's.

    A listed product's labels are part of what it promises its readers, so outsiders see them too.
    """
    storage = product.storage or {}
    try:
        table = platform.tables.get(
            platform.principals.bootstrap_admin(), product.domain, storage["lakehouse"], storage["table"]
        )
    except (KeyError, NotFound, Forbidden):
        return columns
    labels = {c.name: c.sensitivity_label for c in table.columns if c.sensitivity_label}
    return [{**c, "sensitivity": labels.get(c["name"], c["sensitivity"])} for c in columns]


def _columns(contract: dict[str, Any]) -> list[dict[str, str]]:
    rows = []
    for name, raw in (contract.get("schema") or {}).items():
        spec: dict[str, Any] = raw if isinstance(raw, dict) else {}
        constraints = []
        if spec.get("required") or spec.get("nullable") is False:
            constraints.append("required")
        if spec.get("unique"):
            constraints.append("unique")
        if spec.get("enum"):
            constraints.append("one of " + ", ".join(str(v) for v in spec["enum"]))
        rows.append(
            {
                "name": str(name),
                "type": str(spec.get("type") or ""),
                "sensitivity": str(spec.get("sensitivity_label") or spec.get("classification") or ""),
                "description": str(spec.get("description") or ""),
                "constraints": "; ".join(constraints),
            }
        )
    return rows


@dataclass
class Preview:
    columns: list[str]
    rows: list[list[str]]
    masked: bool


def _preview(platform: Platform, me: Principal, product: DataProduct) -> tuple[Preview | None, str]:
    """The first rows through the same read path as the API, so masking applies exactly as it does there."""
    storage = product.storage
    try:
        reader = platform.table_data.read(
            me, product.domain, storage["lakehouse"], storage["table"], limit=PREVIEW_ROWS
        )
        table = reader.read_all()
    except (Forbidden, NotFound):
        return None, "You cannot read this product's data yet." + (
            " Request access above." if capabilities.can_request_access(platform) else ""
        )
    columns = table.column_names
    rows = [[_cell(v) for v in row.values()] for row in table.to_pylist()]
    return Preview(columns, rows, masked="access" in capabilities.installed(platform)), ""


def _cell(value: Any) -> str:
    text = formatting.when(value) if isinstance(value, datetime) else ("" if value is None else str(value))
    return text if len(text) <= 80 else text[:79] + "…"


@router.get("/products/{domain}/{product}/diff", response_class=HTMLResponse)
def product_diff(request: Request, me: Viewer, domain: str, product: str, old: str, new: str) -> Response:
    diff = platform_of(request).products.diff(me, domain, product, old, new)
    html = environment.get_template("diff.html").render(diff=diff)
    if request.headers.get("hx-request") == "true":
        return HTMLResponse(html)
    found = find_product(platform_of(request), me, domain, product)
    return page(request, "product.html", {**product_context(platform_of(request), me, found), "notice": ""})


@router.post("/products/{domain}/{product}/publish")
def publish(request: Request, me: Viewer, domain: str, product: str, csrf_token: FormText = None) -> Response:
    require_csrf(request, csrf_token)
    done = platform_of(request).products.publish(me, domain, product)
    return RedirectResponse(f"/products/{done.qualified_name}?notice=Published", status_code=303)


@router.post("/products/{domain}/{product}/subscription")
def subscription(
    request: Request, me: Viewer, domain: str, product: str, csrf_token: FormText = None, action: FormText = None
) -> Response:
    """The Subscribe / Unsubscribe button: notices of new versions, deprecation, incidents and announcements."""
    require_csrf(request, csrf_token)
    platform = platform_of(request)
    if action == "unsubscribe":
        platform.subscriptions.unsubscribe(me, domain, product)
        notice = "Unsubscribed"
    else:
        platform.subscriptions.subscribe(me, domain, product)
        notice = "Subscribed: you will be notified of new versions, deprecation, incidents and announcements"
    return RedirectResponse(f"/products/{domain}/{product}?notice={quote(notice)}", status_code=303)


@router.post("/products/{domain}/{product}/sharing-profile")
def sharing_profile(request: Request, me: Viewer, domain: str, product: str, csrf_token: FormText = None) -> Response:
    """A new personal Delta Sharing profile (replacing the old one), downloaded as a `.share` file."""
    require_csrf(request, csrf_token)
    platform = platform_of(request)
    find_product(platform, me, domain, product)
    endpoint = (platform.settings.public_url or str(request.base_url)).rstrip("/") + "/delta-sharing"
    issued = platform.sharing_profiles.create(me, endpoint)
    headers = {"Content-Disposition": 'attachment; filename="lakemesh.share"', "Cache-Control": "no-store"}
    return Response(json.dumps(issued.profile, indent=2), media_type="application/json", headers=headers)
