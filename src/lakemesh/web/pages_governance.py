"""Governance: the mesh's policies, open violations and compliance per domain, as the viewer may see them, and the
classification suggestions waiting for the viewer's decision (those of tables they steward or administer)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from lakemesh.auth.models import Principal
from lakemesh.web import capabilities
from lakemesh.web.render import Viewer, WebRoute, page, platform_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)
GOVERNANCE = "/governance"


@router.get(GOVERNANCE, response_class=HTMLResponse)
def governance(request: Request, me: Viewer, notice: str = "") -> Response:
    return governance_page(request, me, notice=notice[:200])


def governance_page(request: Request, me: Principal, *, status: int = 200, **extra: Any) -> Response:
    """The page, with `notice` or `error` ({"form", "message"}) from a decision taken on it."""
    overview = capabilities.governance_overview(platform_of(request), me)
    if overview is None:
        context = {
            "title": "Governance",
            "available": False,
            "missing_text": "Policies, violations and compliance per domain appear here once governance is installed.",
        }
        return page(request, "capability.html", context, status=status)
    suggestions = capabilities.decidable_suggestions(platform_of(request), me)
    more = suggestions is not None and len(suggestions) > capabilities.SHOWN
    context = {
        **overview,
        "suggestions": suggestions[: capabilities.SHOWN] if suggestions is not None else None,
        "more_suggestions": more,
        "shown": capabilities.SHOWN,
        "notice": "",
        "error": None,
        **extra,
    }
    return page(request, "governance.html", context, status=status)
