"""Domains: members and roles, lakehouses and their tables (schema, history, layer), pipelines and runs."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lakemesh.auth.authorize import Resource
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action, DomainRole
from lakemesh.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from lakemesh.core.validation import parse_model
from lakemesh.domains.models import MemberAdd
from lakemesh.web import capabilities
from lakemesh.web.render import Viewer, WebRoute, page, platform_of, require_csrf

router = APIRouter(route_class=WebRoute, include_in_schema=False)
FormText = Annotated[str | None, Form()]


@router.get("/domains", response_class=HTMLResponse)
def domains(request: Request, me: Viewer) -> Response:
    found = platform_of(request).domains.list_domains(me, limit=500).items
    return page(request, "domains.html", {"domains": found})


@router.get("/domains/{domain}", response_class=HTMLResponse)
def domain_page(request: Request, me: Viewer, domain: str, notice: str = "") -> Response:
    return page(request, "domain.html", _domain_context(request, me, domain, notice=notice[:200]))


def _domain_context(request: Request, me: Principal, domain: str, **extra: Any) -> dict[str, Any]:
    platform = platform_of(request)
    found = platform.domains.get(me, domain)
    resource = Resource("domain", found.name, found.id, visible=True)
    members: list[Any] | None
    lakehouses: list[dict[str, Any]] | None
    try:
        members = platform.domains.list_members(me, found.slug)
    except (Forbidden, NotFound):
        members = None
    try:
        lakehouses = [
            {"lakehouse": lh, "tables": platform.tables.list(me, found.slug, lh.name)}
            for lh in platform.lakehouses.list(me, found.slug)
        ]
    except (Forbidden, NotFound):
        lakehouses = None
    context = {
        "domain": found,
        "members": members,
        "lakehouses": lakehouses,
        "can_manage": platform.authorizer.can(me, Action.MEMBERS_MANAGE, resource),
        "roles": [r.value for r in DomainRole],
        "pipelines": capabilities.pipelines_of(platform, me, found.slug),
        "products": platform.products.list_products(me, domain=found.slug, limit=200).items,
        "notice": "",
        "member_error": None,
        "member_form": {"principal": "", "role": "Viewer"},
        **extra,
    }
    return context


@router.post("/domains/{domain}/members")
def add_member(
    request: Request,
    me: Viewer,
    domain: str,
    principal: FormText = None,
    role: FormText = None,
    csrf_token: FormText = None,
) -> Response:
    require_csrf(request, csrf_token)
    try:
        spec = parse_model(MemberAdd, {"principal": (principal or "").strip(), "role": role or ""})
        found = platform_of(request).domains.add_member(me, domain, spec)
    except (NotFound, InvalidInput, Conflict) as exc:  # shown next to the form, with what was typed kept
        form = {"principal": principal or "", "role": role or "Viewer"}
        context = _domain_context(request, me, domain, member_error=exc.detail, member_form=form)
        return page(request, "domain.html", context, status=exc.status)
    return _back(domain, f"{found.principal} is now {found.role.value}")


@router.post("/domains/{domain}/members/remove")
def remove_member(
    request: Request, me: Viewer, domain: str, principal: FormText = None, csrf_token: FormText = None
) -> Response:
    require_csrf(request, csrf_token)
    platform_of(request).domains.remove_member(me, domain, (principal or "").strip())
    return _back(domain, f"{principal} was removed")


def _back(domain: str, notice: str) -> Response:
    return RedirectResponse(f"/domains/{quote(domain)}?notice={quote(notice)}", status_code=303)
