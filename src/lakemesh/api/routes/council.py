"""The governance council: membership, proposals and votes, cases with decisions, and the decisions changelog."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from lakemesh.api.deps import Caller, Cursor, Limit, PlatformDep
from lakemesh.core.pages import DEFAULT_LIMIT, Page
from lakemesh.council.models import (
    Case,
    CaseCreate,
    CaseDecision,
    Council,
    CouncilUpdate,
    DecisionRecord,
    Proposal,
    ProposalCreate,
    ProposalEdit,
    ProposalState,
    VoteCast,
)

router = APIRouter(prefix="/api/v1", tags=["council"])


@router.get("/council", summary="The council: representatives per domain, facilitators, the voting rule")
def get_council(platform: PlatformDep, caller: Caller) -> Council:
    return platform.council.seats.get(caller)


@router.put(
    "/council",
    summary="Choose domain representatives",
    description="Each named domain gets exactly the principals or groups listed; its Admins (or a platform admin, "
    "facilitating) choose them. Domains not named keep theirs.",
)
def put_council(update: CouncilUpdate, platform: PlatformDep, caller: Caller) -> Council:
    return platform.council.seats.put(caller, update)


@router.post(
    "/council/proposals",
    status_code=status.HTTP_201_CREATED,
    summary="Propose a change to a global rule",
    description="A policy document (as `policy apply` takes it) to create, change or retire, or a new voting rule. "
    "The answer carries the plan and, for policies, the dry-run impact over the whole mesh.",
)
def propose(spec: ProposalCreate, platform: PlatformDep, caller: Caller, response: Response) -> Proposal:
    created = platform.council.proposals.propose(caller, spec)
    response.headers["Location"] = f"/api/v1/council/proposals/{created.id}"
    return created


@router.get("/council/proposals", summary="Proposals, newest first")
def list_proposals(
    platform: PlatformDep,
    caller: Caller,
    state: ProposalState | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[Proposal]:
    return platform.council.proposals.list_proposals(
        caller, state=state.value if state else None, limit=limit, cursor=cursor
    )


@router.get("/council/proposals/{proposal_id}", summary="A proposal with its plan, impact, votes and tally")
def get_proposal(proposal_id: str, platform: PlatformDep, caller: Caller) -> Proposal:
    return platform.council.proposals.get(caller, proposal_id)


@router.patch(
    "/council/proposals/{proposal_id}",
    summary="Edit a proposal before its first vote",
    description="409 once a vote has been cast: the change voted on cannot change; open a new proposal.",
)
def edit_proposal(proposal_id: str, edit: ProposalEdit, platform: PlatformDep, caller: Caller) -> Proposal:
    return platform.council.proposals.edit(caller, proposal_id, edit)


@router.post(
    "/council/proposals/{proposal_id}/votes",
    summary="Vote for your domain",
    description="Representatives only (403 otherwise); one vote per domain (409 for a second). The vote that "
    "settles the outcome applies a passed change at once.",
)
def vote(proposal_id: str, cast: VoteCast, platform: PlatformDep, caller: Caller) -> Proposal:
    return platform.council.proposals.vote(caller, proposal_id, cast)


@router.post("/council/cases", status_code=status.HTTP_201_CREATED, summary="Open a case between domains")
def open_case(spec: CaseCreate, platform: PlatformDep, caller: Caller, response: Response) -> Case:
    created = platform.council.cases.open(caller, spec)
    response.headers["Location"] = f"/api/v1/council/cases/{created.id}"
    return created


@router.get("/council/cases", summary="The council's cases, newest first")
def list_cases(
    platform: PlatformDep,
    caller: Caller,
    state: Literal["open", "decided"] | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[Case]:
    return platform.council.cases.list_cases(caller, state=state, limit=limit, cursor=cursor)


@router.get("/council/cases/{case_id}", summary="A case and, once decided, its decision record")
def get_case(case_id: str, platform: PlatformDep, caller: Caller) -> Case:
    return platform.council.cases.get(caller, case_id)


@router.post(
    "/council/cases/{case_id}/decision",
    summary="Decide a case",
    description="Facilitators and representatives. Actions run as the council: grant_access (an access request), "
    "transfer_ownership (a product), fix_by (a domain and a date).",
)
def decide_case(case_id: str, decision: CaseDecision, platform: PlatformDep, caller: Caller) -> Case:
    return platform.council.cases.decide(caller, case_id, decision)


@router.get("/governance/decisions", summary="The standards changelog: passed proposals and decided cases")
def list_decisions(
    platform: PlatformDep,
    caller: Caller,
    q: Annotated[str | None, Query(max_length=200, description="Words in titles, rationales, decisions.")] = None,
    kind: Literal["proposal", "case"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DecisionRecord]:
    return platform.council.decisions(caller, q=q, kind=kind, limit=limit)
