"""The governance council on the in-process `Mesh`: representatives, proposals and votes, cases, decisions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lakemesh.auth.models import Principal
from lakemesh.core.validation import parse_model
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
    VoteCast,
)
from lakemesh.facade.operation import Args, every, remote

if TYPE_CHECKING:
    from lakemesh.platform import Platform

PROPOSALS = "/api/v1/council/proposals"
CASES = "/api/v1/council/cases"


def _proposal(a: Args) -> dict[str, Any]:
    fields = ("title", "rationale", "kind", "action", "policy", "rule", "template", "labels", "form", "term", "window")
    return {k: a[k] for k in fields if a[k] is not None}


def _edit(a: Args) -> dict[str, Any]:
    return {k: a[k] for k in ("title", "rationale", "policy", "rule") if a[k] is not None}


def _vote(a: Args) -> dict[str, Any]:
    return {"vote": a["vote"], "comment": a["comment"]} | ({"domain": a["domain"]} if a["domain"] else {})


def _case(a: Args) -> dict[str, Any]:
    return {"title": a["title"], "domains": list(a["domains"]), "description": a["description"]} | (
        {"subjects": a["subjects"]} if a["subjects"] is not None else {}
    )


def _decision(a: Args) -> dict[str, Any]:
    return {"decision": a["decision"]} | ({"actions": a["actions"]} if a["actions"] is not None else {})


class CouncilMethods:
    platform: Platform
    principal: Principal

    @remote("GET", "/api/v1/council")
    def get_council(self) -> Council:
        """Each domain's representatives, the facilitators and the voting rule in force."""
        return self.platform.council.seats.get(self.principal)

    @remote("PUT", "/api/v1/council", body=lambda a: {"representatives": a["representatives"]})
    def set_council_representatives(self, representatives: dict[str, list[str]]) -> Council:
        """Domain -> its representatives (principals or groups); a domain's Admins choose them."""
        update = parse_model(CouncilUpdate, {"representatives": representatives})
        return self.platform.council.seats.put(self.principal, update)

    @remote("POST", PROPOSALS, body=_proposal)
    def propose(
        self,
        title: str,
        *,
        policy: dict[str, Any] | None = None,
        action: str | None = None,
        rule: dict[str, Any] | None = None,
        kind: str | None = None,
        rationale: str | None = None,
        window: str | None = None,
        template: dict[str, Any] | None = None,
        labels: dict[str, str] | None = None,
        form: dict[str, Any] | None = None,
        term: dict[str, Any] | None = None,
    ) -> Proposal:
        """Open a proposal: a policy document (`action` put or retire), a `template` ({name, document}), masking
        `labels`, the platform's intake `form`, a GLOBAL glossary `term` (kind glossary-term; `action` retire
        deletes it), or a new voting `rule` (kind voting-rule)."""
        return self.platform.council.proposals.propose(self.principal, parse_model(ProposalCreate, _proposal(locals())))

    @remote("GET", PROPOSALS, query=("state",), pages=True)
    def list_proposals(self, *, state: str | None = None) -> list[Proposal]:
        return every(
            lambda cursor: self.platform.council.proposals.list_proposals(
                self.principal, state=state, limit=500, cursor=cursor
            )
        )

    @remote("GET", PROPOSALS + "/{proposal_id}")
    def get_proposal(self, proposal_id: str) -> Proposal:
        return self.platform.council.proposals.get(self.principal, proposal_id)

    @remote("PATCH", PROPOSALS + "/{proposal_id}", body=_edit)
    def edit_proposal(
        self,
        proposal_id: str,
        *,
        title: str | None = None,
        rationale: str | None = None,
        policy: dict[str, Any] | None = None,
        rule: dict[str, Any] | None = None,
    ) -> Proposal:
        """Change a proposal before its first vote (409 after: open a new one)."""
        edit = parse_model(ProposalEdit, _edit(locals()))
        return self.platform.council.proposals.edit(self.principal, proposal_id, edit)

    @remote("POST", PROPOSALS + "/{proposal_id}/votes", body=_vote)
    def vote(self, proposal_id: str, vote: str, *, comment: str = "", domain: str | None = None) -> Proposal:
        """Vote approve, reject or abstain for the domain you represent (name it if you represent several)."""
        return self.platform.council.proposals.vote(self.principal, proposal_id, parse_model(VoteCast, _vote(locals())))

    @remote("POST", CASES, body=_case)
    def open_case(
        self,
        title: str,
        domains: list[str],
        *,
        description: str = "",
        subjects: list[dict[str, Any]] | None = None,
    ) -> Case:
        """Bring a dispute between domains to the council, linked to its subjects."""
        return self.platform.council.cases.open(self.principal, parse_model(CaseCreate, _case(locals())))

    @remote("GET", CASES, query=("state",), pages=True)
    def list_cases(self, *, state: str | None = None) -> list[Case]:
        return every(
            lambda cursor: self.platform.council.cases.list_cases(self.principal, state=state, limit=500, cursor=cursor)
        )

    @remote("GET", CASES + "/{case_id}")
    def get_case(self, case_id: str) -> Case:
        return self.platform.council.cases.get(self.principal, case_id)

    @remote("POST", CASES + "/{case_id}/decision", body=_decision)
    def decide_case(self, case_id: str, decision: str, *, actions: list[dict[str, Any]] | None = None) -> Case:
        """Decide a case in writing; actions: grant_access, transfer_ownership, fix_by."""
        return self.platform.council.cases.decide(
            self.principal, case_id, parse_model(CaseDecision, _decision(locals()))
        )

    @remote("GET", "/api/v1/governance/decisions", query=("q", "kind", "limit"))
    def list_decisions(
        self, *, q: str | None = None, kind: str | None = None, limit: int = 100
    ) -> list[DecisionRecord]:
        """The standards changelog: passed proposals and decided cases, newest first."""
        return self.platform.council.decisions(self.principal, q=q, kind=kind, limit=limit)
