"""The council's pages: representatives, open proposals with their plan and impact, voting, cases, decisions.

Every rule (who votes, one vote per domain, when a proposal passes) stays in the council service; these pages
only show its answers and turn the vote form into its input.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lakemesh.auth.models import Principal
from lakemesh.core.errors import LakemeshError, NotFound
from lakemesh.core.validation import parse_model
from lakemesh.council.models import ProposalState
from lakemesh.platform import Platform
from lakemesh.web.render import Viewer, WebRoute, page, platform_of, require_csrf

router = APIRouter(route_class=WebRoute, include_in_schema=False)
FormText = Annotated[str | None, Form()]
FormList = Annotated[list[str] | None, Form()]
SHOWN = 50


def _council(platform: Platform) -> Any:
    service = getattr(platform, "council", None)
    if service is None:
        raise NotFound("The council is not available on this platform")
    return service


@router.get("/council", response_class=HTMLResponse)
def council_page(request: Request, me: Viewer, notice: str = "") -> Response:
    return _council_page(request, me, notice=notice[:200])


def _council_page(request: Request, me: Principal, *, status: int = 200, **extra: Any) -> Response:
    service = _council(platform_of(request))
    proposals = service.proposals.list_proposals(me, limit=SHOWN).items
    context = {
        "council": service.seats.get(me),
        "open": [p for p in proposals if p.state == ProposalState.OPEN],
        "closed": [p for p in proposals if p.state != "open"],
        "cases": service.cases.list_cases(me, limit=SHOWN).items,
        "mine": service.seats.my_domains(me),
        "notice": "",
        "case_error": "",
        "case_form": None,
        "case_bad": set(),
        **extra,
    }
    return page(request, "council.html", context, status=status)


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


@router.post("/council/cases")
def open_case(
    request: Request,
    me: Viewer,
    title: FormText = None,
    description: FormText = None,
    domains: FormList = None,
    subjects: FormText = None,
    csrf_token: FormText = None,
) -> Response:
    """Anyone signed in opens a case; a refusal is shown on the form with what was typed kept."""
    require_csrf(request, csrf_token)
    from lakemesh.council.models import CaseCreate

    service = _council(platform_of(request))
    picked = [d for d in domains or [] if d]
    form: dict[str, Any] = {"title": title or "", "description": description or "", "domains": picked}
    form["subjects"] = subjects or ""
    try:
        spec = parse_model(CaseCreate, {**form, "subjects": _subjects(subjects or "")})
        opened = service.cases.open(me, spec)
    except LakemeshError as exc:
        bad = {str(e.loc[0]) for e in exc.errors if e.loc} or {"title"}
        return _council_page(request, me, case_error=str(exc), case_form=form, case_bad=bad, status=exc.status)
    return RedirectResponse(f"/council/cases/{opened.id}?notice={quote('Case opened; the council decides it.')}", 303)


@router.get("/council/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, me: Viewer, case_id: str, notice: str = "") -> Response:
    return _case(request, me, case_id, notice=notice[:200])


def _case(request: Request, me: Principal, case_id: str, *, status: int = 200, **extra: Any) -> Response:
    service = _council(platform_of(request))
    case = service.cases.get(me, case_id)
    may_decide = case.state == "open" and (me.is_platform_admin or bool(service.seats.my_domains(me)))
    context = {
        "case": case,
        "may_decide": may_decide,
        "notice": "",
        "decide_error": "",
        "decide_form": {},
        "decide_bad": set(),
        **extra,
    }
    return page(request, "case.html", context, status=status)


@router.post("/council/cases/{case_id}/decide")
def decide_case(
    request: Request,
    me: Viewer,
    case_id: str,
    decision: FormText = None,
    grant_request: FormText = None,
    transfer_product: FormText = None,
    transfer_owner: FormText = None,
    fix_domain: FormText = None,
    fix_by: FormText = None,
    fix_what: FormText = None,
    csrf_token: FormText = None,
) -> Response:
    """Facilitators and representatives decide, with the optional actions the API takes; errors stay on the form."""
    require_csrf(request, csrf_token)
    from lakemesh.council.models import CaseDecision

    service = _council(platform_of(request))
    typed = {
        "decision": decision or "",
        "grant_request": (grant_request or "").strip(),
        "transfer_product": (transfer_product or "").strip(),
        "transfer_owner": (transfer_owner or "").strip(),
        "fix_domain": (fix_domain or "").strip(),
        "fix_by": (fix_by or "").strip(),
        "fix_what": fix_what or "",
    }
    actions: list[dict[str, Any]] = []
    if typed["grant_request"]:
        actions.append({"kind": "grant_access", "request": typed["grant_request"]})
    if typed["transfer_product"] or typed["transfer_owner"]:
        product, owner = typed["transfer_product"] or None, typed["transfer_owner"] or None
        actions.append({"kind": "transfer_ownership", "product": product, "owner": owner})
    if typed["fix_domain"] or typed["fix_by"]:
        by = f"{typed['fix_by']}T23:59:59Z" if len(typed["fix_by"]) == 10 else typed["fix_by"] or None
        actions.append({"kind": "fix_by", "domain": typed["fix_domain"] or None, "by": by, "what": typed["fix_what"]})
    try:
        spec = parse_model(CaseDecision, {"decision": typed["decision"], "actions": actions})
        service.cases.decide(me, case_id, spec)
    except LakemeshError as exc:
        bad = _bad_fields(exc, [a["kind"] for a in actions])
        return _case(request, me, case_id, decide_error=str(exc), decide_form=typed, decide_bad=bad, status=exc.status)
    return RedirectResponse(f"/council/cases/{case_id}?notice={quote('Case decided.')}", status_code=303)


ACTION_FIELDS = {
    "grant_access": {"request": "grant_request"},
    "transfer_ownership": {"product": "transfer_product", "owner": "transfer_owner"},
    "fix_by": {"domain": "fix_domain", "by": "fix_by", "what": "fix_what"},
}


def _bad_fields(exc: LakemeshError, kinds: list[str]) -> set[str]:
    """The decide form's fields an error points at (an action's whole group when it names no field)."""
    bad: set[str] = set()
    for item in exc.errors:
        loc = list(item.loc)
        if loc[:1] == ["actions"] and len(loc) > 1 and isinstance(loc[1], int) and loc[1] < len(kinds):
            fields = ACTION_FIELDS[kinds[loc[1]]]
            named = [fields[str(p)] for p in loc[2:] if str(p) in fields]
            bad.update(named or fields.values())
        elif loc:
            bad.add(str(loc[0]))
    if not bad and kinds:  # e.g. an access request that does not exist: the actions are what was refused
        for kind in kinds:
            bad.update(ACTION_FIELDS[kind].values())
    return bad or {"decision"}


def _subjects(text: str) -> list[dict[str, str]]:
    """One subject a line, `kind: ref` (e.g. `access_request: areq_...`); a line without a kind is `other`."""
    found: list[dict[str, str]] = []
    for line in text.splitlines():
        kind, sep, ref = line.strip().partition(":")
        if not line.strip():
            continue
        if sep and kind.strip() and " " not in kind.strip() and "/" not in kind:
            found.append({"kind": kind.strip(), "ref": ref.strip()})
        else:
            found.append({"kind": "other", "ref": line.strip()})
    return found


@router.get("/governance/decisions", response_class=HTMLResponse)
def decisions_page(request: Request, me: Viewer, q: str = "", kind: str = "") -> Response:
    query = q.strip()[:200]
    records = _council(platform_of(request)).decisions(
        me, q=query or None, kind=kind if kind in ("proposal", "case") else None
    )
    return page(request, "decisions.html", {"records": records, "q": query, "kind": kind})
