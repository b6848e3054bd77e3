"""Governance: the mesh's policies, open violations and compliance per domain, as the viewer may see them."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from lakemesh.web import capabilities
from lakemesh.web.render import Viewer, WebRoute, page, platform_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)


@router.get("/governance", response_class=HTMLResponse)
def governance(request: Request, me: Viewer) -> Response:
    overview = capabilities.governance_overview(platform_of(request), me)
    if overview is None:
        context = {
            "title": "Governance",
            "available": False,
            "missing_text": "Policies, violations and compliance per domain appear here once governance is installed.",
        }
        return page(request, "capability.html", context)
    return page(request, "governance.html", overview)
