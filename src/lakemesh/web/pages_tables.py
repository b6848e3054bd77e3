"""A table's page: schema, history, its open policy violations, and the forms that fix them.

Owners and stewards (whoever may write the table) set column sensitivity labels and descriptions, the table's
description and its retention through the same service call as `PATCH .../tables/{table}`: the same validation
and permission checks, one transaction, so a refused change leaves the table as it was and the error shows on
the page next to what was typed.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lakemesh.auth.authorize import Resource
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.classification.models import SuggestionStatus
from lakemesh.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from lakemesh.core.validation import parse_model
from lakemesh.lakehouses.models import TableInfo, TableUpdate
from lakemesh.products.models import CLASSIFICATIONS
from lakemesh.web import capabilities
from lakemesh.web.pages_governance import GOVERNANCE, governance_page
from lakemesh.web.profile_views import drift_charts, table_terms
from lakemesh.web.render import Viewer, WebRoute, page, platform_of, require_csrf

router = APIRouter(route_class=WebRoute, include_in_schema=False)
FormText = Annotated[str | None, Form()]
FormList = Annotated[list[str], Form()]
TABLE = "/domains/{domain}/lakehouses/{lakehouse}/tables/{table}"
REFUSED = (InvalidInput, Conflict, Forbidden)  # shown on the page; PolicyViolation is an InvalidInput


@router.get(TABLE, response_class=HTMLResponse)
def table_page(
    request: Request, me: Viewer, domain: str, lakehouse: str, table: str, notice: str = "", drift: str = ""
) -> Response:
    context = _context(request, me, domain, lakehouse, table, notice=notice[:200])
    if context["profile_readable"]:
        context.update(drift_charts(platform_of(request), me, context["table"], drift[:256]))
    return page(request, "table.html", context)


@router.post(TABLE + "/details")
def save_details(
    request: Request,
    me: Viewer,
    domain: str,
    lakehouse: str,
    table: str,
    description: FormText = None,
    retention_days: FormText = None,
    csrf_token: FormText = None,
) -> Response:
    require_csrf(request, csrf_token)
    raw: dict[str, Any] = {"description": description or ""}
    if (retention_days or "").strip():
        raw["retention_days"] = retention_days.strip() if retention_days else None
    typed = {"description": description or "", "retention_days": retention_days or ""}
    return _update(request, me, (domain, lakehouse, table), raw, "details", typed, "Table details saved")


@router.post(TABLE + "/columns")
def save_columns(
    request: Request,
    me: Viewer,
    domain: str,
    lakehouse: str,
    table: str,
    column: FormList,
    label: FormList,
    description: FormList,
    csrf_token: FormText = None,
) -> Response:
    """Only what changed is sent, so the audit log records the labels and descriptions someone actually set."""
    require_csrf(request, csrf_token)
    if not len(column) == len(label) == len(description):
        raise InvalidInput("The form is missing fields; reload the page and try again.")
    current = {c.name: c for c in platform_of(request).tables.get(me, domain, lakehouse, table).columns}
    changes: dict[str, dict[str, str | None]] = {}
    for name, new_label, new_description in zip(column, label, description, strict=True):
        before = current.get(name)
        change: dict[str, str | None] = {}
        if before is None or (before.sensitivity_label or "") != new_label.strip():
            change["sensitivity_label"] = new_label.strip() or None
        if before is None or before.description != new_description.strip():
            change["description"] = new_description.strip()
        if change:
            changes[name] = change
    rows = zip(column, label, description, strict=True)
    typed = {name: {"label": lab, "description": desc} for name, lab, desc in rows}
    count = len(changes)
    notice = f"{count} column{'' if count == 1 else 's'} saved" if count else "Nothing changed"
    return _update(request, me, (domain, lakehouse, table), {"columns": changes}, "columns", typed, notice)


@router.post(TABLE + "/profile")
def profile_now(
    request: Request,
    me: Viewer,
    domain: str,
    lakehouse: str,
    table: str,
    csrf_token: FormText = None,
    full: FormText = None,
) -> Response:
    require_csrf(request, csrf_token)
    profile = platform_of(request).profiles.profile(me, domain, lakehouse, table, refresh=True, full=full == "true")
    href = f"/domains/{quote(domain)}/lakehouses/{quote(lakehouse)}/tables/{quote(table)}"
    return RedirectResponse(f"{href}?notice={quote(f'Profiled version {profile.version}')}#profile", status_code=303)


@router.post(TABLE + "/suggestions/{suggestion_id}/{decision}")
def decide_suggestion(
    request: Request,
    me: Viewer,
    domain: str,
    lakehouse: str,
    table: str,
    suggestion_id: str,
    decision: str,
    csrf_token: FormText = None,
    back: FormText = None,
) -> Response:
    """Accept (sets the column's label) or reject a classification suggestion; the service decides who may.

    The governance page's review list posts here too, with `back=governance`: the answer returns there."""
    require_csrf(request, csrf_token)
    to_governance = back == "governance"
    service = platform_of(request).classification
    try:
        if decision == "accept":
            done = service.accept(me, suggestion_id)
        elif decision == "reject":
            done = service.reject(me, suggestion_id)
        else:
            raise NotFound(f"No decision {decision!r}")
    except REFUSED as exc:
        error = {"form": "suggestions", "message": str(exc)}
        if to_governance:
            return governance_page(request, me, status=exc.status, error=error)
        context = _context(request, me, domain, lakehouse, table, error=error)
        return page(request, "table.html", context, status=exc.status)
    notice = f"Suggestion {done.status}: {done.column} as {done.classification}"
    if to_governance:
        notice = f"Suggestion {done.status}: {done.table}.{done.column} as {done.classification}"
        return RedirectResponse(f"{GOVERNANCE}?notice={quote(notice)}#classification-suggestions", status_code=303)
    href = f"/domains/{quote(domain)}/lakehouses/{quote(lakehouse)}/tables/{quote(table)}"
    return RedirectResponse(f"{href}?notice={quote(notice)}", status_code=303)


def _update(
    request: Request,
    me: Principal,
    where: tuple[str, str, str],
    raw: dict[str, Any],
    form: str,
    typed: dict[str, Any],
    notice: str,
) -> Response:
    try:
        done = platform_of(request).tables.update(me, *where, parse_model(TableUpdate, raw))
    except REFUSED as exc:
        context = _context(request, me, *where, error={"form": form, "message": str(exc)}, typed={form: typed})
        return page(request, "table.html", context, status=exc.status)
    href = f"/domains/{quote(done.domain)}/lakehouses/{quote(done.lakehouse)}/tables/{quote(done.name)}"
    return RedirectResponse(f"{href}?notice={quote(notice)}", status_code=303)


def _context(request: Request, me: Principal, domain: str, lakehouse: str, table: str, **extra: Any) -> dict[str, Any]:
    platform = platform_of(request)
    info = platform.tables.get(me, domain, lakehouse, table)
    try:
        history = platform.table_data.history(me, domain, lakehouse, table, limit=50)
    except NotFound:  # no data files yet
        history = []
    labels = list(CLASSIFICATIONS)
    labels += sorted({c.sensitivity_label for c in info.columns if c.sensitivity_label} - set(labels))
    return {
        "table": info,
        "history": history,
        "can_edit": _can_edit(platform, me, info),
        "labels": labels,
        "violations": capabilities.table_violations(platform, me, (info.domain, info.lakehouse, info.name)),
        **_profile(platform, me, info),
        "terms": table_terms(platform, me, info),
        "drift_column": "",
        "drift_charts": [],
        "suggestions": platform.classification.suggestions(
            me, info.domain, info.lakehouse, info.name, status=SuggestionStatus.PENDING
        ),
        "notice": "",
        "error": None,
        "typed": {},
        **extra,
    }


def _profile(platform: Any, me: Principal, info: TableInfo) -> dict[str, Any]:
    """The stored profile as `me` may see it; those who may not read the data see that they may not."""
    try:
        stored = platform.profiles.stored(me, info.domain, info.lakehouse, info.name)
    except (Forbidden, NotFound):
        return {"profile": None, "profile_readable": False}
    return {"profile": stored, "profile_readable": True}


def _can_edit(platform: Any, me: Principal, info: TableInfo) -> bool:
    """The forms appear only for those the service would let write the table (posting anyway is refused)."""
    try:
        domain_id = platform.domains.get(me, info.domain).id
    except (Forbidden, NotFound):
        return False
    resource = Resource("table", f"{info.domain}.{info.lakehouse}.{info.name}", domain_id, visible=True)
    return bool(platform.authorizer.can(me, Action.ITEM_WRITE, resource))
