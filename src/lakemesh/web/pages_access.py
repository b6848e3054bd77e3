"""Access in the browser: request (columns, duration), decide (narrowing), cancel, revoke, and the history."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lakemesh.auth.models import Principal
from lakemesh.core.errors import Conflict, LakemeshError, invalid
from lakemesh.web import access_actions
from lakemesh.web.pages_products import find_product, product_context
from lakemesh.web.render import Viewer, WebRoute, environment, page, platform_of, require_csrf, session_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)
FormText = Annotated[str | None, Form()]
FormList = Annotated[list[str] | None, Form()]


@router.get("/access", response_class=HTMLResponse)
def access(request: Request, me: Viewer, notice: str = "") -> Response:
    return _access_page(request, me, notice=notice[:200])


def _access_page(request: Request, me: Principal, *, notice: str = "", error: str = "", status: int = 200) -> Response:
    found = access_actions.overview(platform_of(request), me)
    if found is None:
        context = {
            "title": "Access",
            "available": False,
            "missing_text": "Your access requests, and the requests you approve, appear here once access is installed.",
        }
        return page(request, "capability.html", context)
    context = {"access": found, "notice": notice, "error": error, "durations": access_actions.DURATIONS}
    return page(request, "access.html", context, status=status)


@router.post("/access/{request_id}/{decision}")
def decide(
    request: Request,
    me: Viewer,
    request_id: str,
    decision: str,
    reason: FormText = None,
    columns: FormList = None,
    offered: FormList = None,
    duration: FormText = None,
    obligations: FormText = None,
    csrf_token: FormText = None,
) -> Response:
    """Approve (optionally narrowing columns and duration, adding obligations), deny with a reason, or cancel."""
    require_csrf(request, csrf_token)
    platform = platform_of(request)
    htmx = request.headers.get("hx-request") == "true"
    try:
        if decision == "cancel":
            access_actions.cancel(platform, me, request_id)
            return RedirectResponse("/access?notice=Request+cancelled", status_code=303)
        if decision not in {"approve", "deny"}:
            raise invalid("decision", "must be approve, deny or cancel")
        kept = access_actions.chosen_columns(columns or [], offered or [])
        item = access_actions.decide(
            platform,
            me,
            request_id,
            decision == "approve",
            reason or "",
            kept,
            (duration or "").strip() or None,
            obligations or "",
        )
    except LakemeshError as exc:
        if not htmx:
            return _access_page(request, me, error=str(exc), status=exc.status)
        # htmx swaps only successful answers: the error goes into the request's own card, its form kept
        item = access_actions.service_of(platform).get_request(me, request_id)
        return _fragment(request, item, announce=False, error=str(exc), offered=offered or [])
    if htmx:
        return _fragment(request, item, announce=True)
    return RedirectResponse(f"/access?notice=Request+{item.state}", status_code=303)


def _fragment(
    request: Request, item: object, *, announce: bool, error: str = "", offered: list[str] | None = None
) -> HTMLResponse:
    session = session_of(request)
    html = environment.get_template("access_request.html").render(
        item=item,
        csrf=session.csrf if session else "",
        announce=announce,
        error=error,
        offered=offered or [],
        durations=access_actions.DURATIONS,
    )
    return HTMLResponse(html)


@router.post("/products/{domain}/{product}/request-access")
def request_access(
    request: Request,
    me: Viewer,
    domain: str,
    product: str,
    purpose: FormText = None,
    columns: FormList = None,
    duration: FormText = None,
    accept_terms: FormText = None,
    csrf_token: FormText = None,
) -> Response:
    """A request with the columns and duration the requester chose; a refusal is shown on the form, text kept."""
    require_csrf(request, csrf_token)
    platform = platform_of(request)
    found = find_product(platform, me, domain, product)
    picked = [c for c in columns or [] if c]
    accepted = bool(accept_terms)
    try:
        access_actions.request(
            platform, me, found.qualified_name, purpose or "", picked or None, duration or "", accepted
        )
    except LakemeshError as exc:
        message = str(exc)
        if isinstance(exc, Conflict) and access_actions.my_pending_on(platform, me, found.qualified_name):
            message = "You already asked for access to this product and the owner has not decided yet."
        form = {"purpose": purpose or "", "columns": picked, "duration": duration or "", "accept_terms": accepted}
        context = {**product_context(platform, me, found), "notice": "", "request_error": message, "request_form": form}
        return page(request, "product.html", context, status=exc.status)
    notice = quote("Access requested; the owner decides. Follow it on the Access page.")
    return RedirectResponse(f"/products/{found.qualified_name}?notice={notice}", status_code=303)


@router.post("/products/{domain}/{product}/grants/{grant_id}/revoke")
def revoke_grant(
    request: Request, me: Viewer, domain: str, product: str, grant_id: str, csrf_token: FormText = None
) -> Response:
    """Revoke a grant from the product's consumers list: reads stop at once (the service checks who may)."""
    require_csrf(request, csrf_token)
    platform = platform_of(request)
    found = find_product(platform, me, domain, product)
    revoked = access_actions.revoke(platform, me, grant_id, "revoked on the product page")
    notice = quote(f"Grant of {revoked.grantee} revoked")
    return RedirectResponse(f"/products/{found.qualified_name}?notice={notice}", status_code=303)


@router.get("/agreements/{agreement_id}", response_class=HTMLResponse)
def agreement(request: Request, me: Viewer, agreement_id: str, notice: str = "") -> Response:
    """A usage agreement with every version of its terms: its parties only (others get the 404 page)."""
    platform = platform_of(request)
    found = platform.agreements.get(me, agreement_id)
    context = {
        "title": f"Usage agreement {found.id}",
        "agreement": found,
        "can_renew": platform.agreements.may_renew(me, agreement_id),
        "notice": notice[:200],
        "durations": access_actions.DURATIONS,
    }
    return page(request, "agreement.html", context)


@router.post("/agreements/{agreement_id}/renew")
def renew_agreement(
    request: Request, me: Viewer, agreement_id: str, duration: FormText = None, csrf_token: FormText = None
) -> Response:
    """Renew from the agreement page (the service checks who may and whether it is still in force)."""
    require_csrf(request, csrf_token)
    from lakemesh.access.models import AgreementRenewal
    from lakemesh.core.validation import parse_model

    renewal = parse_model(AgreementRenewal, {"duration": (duration or "").strip() or None})
    renewed = platform_of(request).agreements.renew(me, agreement_id, renewal)
    notice = quote(f"Renewed: version {renewed.version}")
    return RedirectResponse(f"/agreements/{agreement_id}?notice={notice}", status_code=303)
