"""The council's pages: representatives, open proposals with their plan and impact, voting, cases, decisions.

Every rule (who votes, one vote per domain, when a proposal passes) stays in the council service; these pages
only show its answers and turn the vote form into its input.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lakemesh.auth.models import Principal
from lakemesh.core.errors import LakemeshError, NotFound
from lakemesh.core.validation import parse_model
from lakemesh.platform import Platform
from lakemesh.web.render import Viewer, WebRoute, page, platform_of, require_csrf

router = APIRouter(route_class=WebRoute, include_in_schema=False)
FormText = Annotated[str | None, Form()]
SHOWN = 50


def _council(platform: Platform) -> Any:
    service = getattr(platform, "council", None)
    if service is None:
        raise NotFound("The council is not available on this platform")
    return service


@router.get("/council", response_class=HTMLResponse)
def council_page(request: Request, me: Viewer, notice: str = "") -> Response:
    service = _council(platform_of(request))
    proposals = service.proposals.list_proposals(me, limit=SHOWN).items
    context = {
        "council": service.seats.get(me),
        "open": [p for p in proposals if p.state == "open"],
        "closed": [p for p in proposals if p.state != "open"],
        "cases": service.cases.list_cases(me, limit=SHOWN).items,
        "mine": service.seats.my_domains(me),
        "notice": notice[:200],
    }
    return page(request, "council.html", context)


@router.get("/council/proposals/{proposal_id}", response_class=HTMLResponse)
def proposal_page(request: Request, me: Viewer, proposal_id: str, notice: str = "") -> Response:
    return _proposal(request, me, proposal_id, notice=notice[:200])


def _proposal(request: Request, me: Principal, proposal_id: str, *, status: int = 200, **extra: Any) -> Response:
    service = _council(platform_of(request))
    proposal = service.proposals.get(me, proposal_id)
    voted = {v.domain for v in proposal.votes}
    can_vote = [d for d in service.seats.my_domains(me) if d in proposal.tally.electorate and d not in voted]
    context = {"proposal": proposal, "can_vote": can_vote, "shown": SHOWN, "notice": "", "error": "", **extra}
    return page(request, "proposal.html", context, status=status)


@router.post("/council/proposals/{proposal_id}/vote")
def vote(
    request: Request,
    me: Viewer,
    proposal_id: str,
    vote: FormText = None,
    comment: FormText = None,
    domain: FormText = None,
    csrf_token: FormText = None,
) -> Response:
    require_csrf(request, csrf_token)
    from lakemesh.council.models import VoteCast

    service = _council(platform_of(request))
    try:
        cast = parse_model(VoteCast, {"vote": vote or "", "comment": comment or "", "domain": domain or None})
        result = service.proposals.vote(me, proposal_id, cast)
    except LakemeshError as exc:
        return _proposal(request, me, proposal_id, error=str(exc), status=exc.status)
    notice = f"Voted {cast.vote}; the proposal is {result.state.value}"
    return RedirectResponse(f"/council/proposals/{proposal_id}?notice={notice.replace(' ', '+')}", status_code=303)


@router.get("/council/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, me: Viewer, case_id: str) -> Response:
    return page(request, "case.html", {"case": _council(platform_of(request)).cases.get(me, case_id)})


@router.get("/governance/decisions", response_class=HTMLResponse)
def decisions_page(request: Request, me: Viewer, q: str = "", kind: str = "") -> Response:
    query = q.strip()[:200]
    records = _council(platform_of(request)).decisions(
        me, q=query or None, kind=kind if kind in ("proposal", "case") else None
    )
    return page(request, "decisions.html", {"records": records, "q": query, "kind": kind})
