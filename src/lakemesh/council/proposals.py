"""Proposals: a change to what the whole mesh follows, voted by the domains' representatives, applied once.

A proposal carries the exact change (the document `policy apply` takes), its plan and, for policies, the dry-run
of its effect. Its change is frozen by the first vote. Each domain of the electorate (the domains with
representatives when it opened) casts one vote through any of its representatives. The vote that settles the
outcome flips the state with a conditional update, so exactly one transaction sees the flip; it alone applies
a passed change, after its commit, as one versioned change attributed to the proposal (`council:<id>`). A crash
between the two leaves a passed, unapplied proposal that the sweep applies (applying is idempotent).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lakemesh.auth.models import PlatformRole, Principal
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.council import ProposalRow, VoteRow
from lakemesh.core.clock import Clock
from lakemesh.core.durations import parse_duration
from lakemesh.core.errors import Conflict, Forbidden, NotFound, invalid
from lakemesh.core.ids import new_id
from lakemesh.core.names import slugify
from lakemesh.core.pages import Page, check_limit, decode_cursor, encode_cursor
from lakemesh.core.validation import parse_model
from lakemesh.council.impact import policy_impact
from lakemesh.council.models import (
    Impact,
    Proposal,
    ProposalCreate,
    ProposalEdit,
    ProposalState,
    Tally,
    Vote,
    VoteCast,
    VotingRule,
)
from lakemesh.council.seats import current_rule, electorate, represented_domains, set_rule
from lakemesh.council.settings import OTHER_KINDS, MeshSettings
from lakemesh.council.voting import decide
from lakemesh.domains.service import domain_rows, find_domain_row
from lakemesh.governance.models import PolicyDocument
from lakemesh.governance.policy_files import plan
from lakemesh.governance.service import GovernanceService

if TYPE_CHECKING:
    from lakemesh.catalog.tables.domains import DomainRow

MAX_WINDOW_DAYS = 90


class ProposalService:
    def __init__(self, catalog: Catalog, clock: Clock, governance: GovernanceService, settings: MeshSettings) -> None:
        self._catalog = catalog
        self._clock = clock
        self._governance = governance
        self._settings = settings

    # -- opening and editing ---------------------------------------------------------------------
    def propose(self, actor: Principal, spec: ProposalCreate) -> Proposal:
        """Facilitators (platform admins) and representatives open proposals."""
        now = self._clock.now()
        # The plan and the dry-run read the whole mesh: outside the write transaction, which stays short.
        with self._catalog.read() as session:
            if not actor.is_platform_admin and not represented_domains(session, actor):
                raise Forbidden("Only council representatives and facilitators (platform admins) open proposals")
            rule, _ = current_rule(session)
            window = parse_duration(spec.window or rule.window, "window")
            if window.total_seconds() <= 0 or window.days > MAX_WINDOW_DAYS:
                raise invalid("window", f"must be more than zero and at most {MAX_WINDOW_DAYS}d")
            voters = electorate(session)
            row = ProposalRow(
                id=new_id("prop"),
                kind=spec.kind,
                title=spec.title,
                rationale=spec.rationale,
                rule=rule.model_dump(),
                electorate=[{"id": d.id, "slug": d.slug} for d in voters],
                state=ProposalState.OPEN.value,
                opened_by=actor.name,
                opened_at=now,
                closes_at=now + window,
                change={},
                plan="",
            )
            self._set_change(session, row, spec.action, spec.policy, spec.rule, now, other=_other(spec))
        with self._catalog.transaction() as session:
            session.add(row)
            session.flush()
            view = self._view(session, row)
            summary = {"title": row.title, "kind": row.kind, "closes_at": row.closes_at}
            self._event(session, actor.name, row, "governance.proposal.opened", summary)
            waiting = {"title": row.title, "domains": view.tally.waiting, "closes_at": row.closes_at}
            self._event(session, actor.name, row, "governance.proposal.vote_needed", waiting)
            return view

    def edit(self, actor: Principal, proposal_id: str, spec: ProposalEdit) -> Proposal:
        """Until the first vote, its opener or a facilitator may change it; after, a new proposal is needed."""
        now = self._clock.now()
        with self._catalog.transaction() as session:
            row = self._load(session, proposal_id, lock=True)
            if row.opened_by != actor.name and not actor.is_platform_admin:
                raise Forbidden("Only the proposal's opener or a facilitator edits it")
            if row.state != ProposalState.OPEN or _has_votes(session, row.id):
                raise Conflict(
                    f"Proposal {row.id} is frozen: votes have been cast (or it is {row.state}); open a new proposal"
                )
            row.title = spec.title if spec.title is not None else row.title
            row.rationale = spec.rationale if spec.rationale is not None else row.rationale
            if spec.policy is not None or spec.rule is not None:
                self._set_change(session, row, str(row.change.get("action", "put")), spec.policy, spec.rule, now)
            self._event(session, actor.name, row, "governance.proposal.edited", {"title": row.title})
            return self._view(session, row)

    def _set_change(
        self,
        session: Session,
        row: ProposalRow,
        action: str,
        policy: dict[str, Any] | None,
        rule: VotingRule | None,
        now: datetime,
        *,
        other: dict[str, Any] | None = None,
    ) -> None:
        if row.kind in OTHER_KINDS:
            if other is None:
                raise invalid("body", f"a {row.kind} proposal's change cannot be edited; open a new proposal")
            row.change, row.plan = self._settings.plan(session, row.kind, other)
            row.impact = None
            return
        if row.kind == "voting-rule":
            if rule is None:
                raise invalid("rule", "a voting-rule proposal needs `rule`")
            in_force, _ = current_rule(session)
            row.change = {"action": "put", "rule": rule.model_dump()}
            row.plan = (
                "\n".join(
                    f"  ~ voting rule {key}: {getattr(in_force, key)!r} -> {value!r}"
                    for key, value in rule.model_dump().items()
                    if getattr(in_force, key) != value
                )
                or "  = voting rule (unchanged)"
            )
            row.impact = None
            return
        if not policy:
            raise invalid("policy", "a policy proposal needs `policy`")
        name = str(policy.get("name") or "")
        existing = next((p for p in self._governance.book.active(session) if slugify(p.name) == slugify(name)), None)
        if action == "retire":
            if existing is None:
                raise invalid("policy", f"there is no policy {name!r} to retire")
            document: PolicyDocument | None = None
            row.change = {"action": "retire", "policy": {"name": existing.name}}
            row.plan = f'  - policy "{existing.name}" (retired)\nPlan: 0 to add, 0 to change, 1 to retire.'
            name = existing.name
        else:
            document = parse_model(PolicyDocument, policy)
            if document.domain_ref and find_domain_row(session, document.domain_ref) is None:
                raise invalid("policy", f"there is no domain {document.domain_ref!r}")
            stored = document.model_dump(exclude_none=True)
            current = [] if existing is None else [self._governance.get_policy(_council(row.id, now), existing.name)]
            row.change = {"action": "put", "policy": stored}
            row.plan = plan(current, [stored]).render()
            name = document.name
        impact = policy_impact(session, self._governance.compliance, document, name, now=now)
        row.impact = impact.model_dump(mode="json")
        row.change["vetoable"] = "block" in {document.enforcement if document else None, _enforcement(existing)}

    # -- reading ---------------------------------------------------------------------------------
    def get(self, actor: Principal, proposal_id: str) -> Proposal:
        """Proposals are public records: everyone signed in reads them."""
        self.sweep()
        with self._catalog.read() as session:
            return self._view(session, self._load(session, proposal_id))

    def list_proposals(
        self, actor: Principal, *, state: str | None = None, limit: int = 50, cursor: str | None = None
    ) -> Page[Proposal]:
        check_limit(limit)
        if state is not None and state not in {s.value for s in ProposalState}:
            raise invalid("state", "must be open, passed, rejected or expired")
        self.sweep()
        after = decode_cursor(cursor)
        query = select(ProposalRow).order_by(ProposalRow.id.desc()).limit(limit + 1)
        if state is not None:
            query = query.where(ProposalRow.state == state)
        if after is not None:
            query = query.where(ProposalRow.id < str(after))
        with self._catalog.read() as session:
            rows = list(session.scalars(query))
            items = [self._view(session, r) for r in rows[:limit]]
        return Page(items=items, next_cursor=encode_cursor(items[-1].id) if len(rows) > limit else None)

    # -- voting ----------------------------------------------------------------------------------
    def vote(self, actor: Principal, proposal_id: str, cast: VoteCast) -> Proposal:
        """One vote per domain, by one of its representatives; the vote that settles the outcome applies it."""
        self.sweep()
        now = self._clock.now()
        try:
            with self._catalog.transaction() as session:
                row = self._load(session, proposal_id, lock=True)
                if row.state != ProposalState.OPEN:
                    raise Conflict(f"Proposal {row.id} is {row.state}; voting is closed")
                domain = self._voting_domain(session, actor, row, cast.domain)
                earlier = session.scalar(
                    select(VoteRow).where(VoteRow.proposal_id == row.id, VoteRow.domain_id == domain.id)
                )
                if earlier is not None:
                    raise Conflict(f"{domain.name} has already voted on {row.id} ({earlier.vote}, by {earlier.voter})")
                vote = VoteRow(
                    id=new_id("vote"),
                    proposal_id=row.id,
                    domain_id=domain.id,
                    domain=domain.slug,
                    voter_id=actor.id,
                    voter=actor.name,
                    vote=cast.vote,
                    comment=cast.comment,
                    at=now,
                )
                session.add(vote)
                session.flush()
                cast_view = {"proposal": row.id, "title": row.title, "vote": cast.vote, "comment": cast.comment}
                record(
                    session,
                    at=now,
                    actor=actor.name,
                    action="governance.vote.cast",
                    resource_type="proposal",
                    resource_id=row.id,
                    resource_name=row.title,
                    domain=domain.slug,
                    after=cast_view,
                )
                passed = self._settle(session, row, now, closed=False)
                view = self._view(session, row)
        except IntegrityError:
            raise Conflict(f"Your domain has already voted on {proposal_id}") from None
        return self._apply(proposal_id) if passed else view

    def _voting_domain(self, session: Session, actor: Principal, row: ProposalRow, wanted: str | None) -> DomainRow:
        mine = represented_domains(session, actor)
        if not mine:
            raise Forbidden("Only council representatives vote; a domain's Admins choose them (PUT /api/v1/council)")
        voters = {str(d["id"]) for d in row.electorate}
        if wanted is not None:
            domain = find_domain_row(session, wanted)
            if domain is None or domain.id not in mine:
                raise Forbidden(f"You do not represent {wanted!r} on the council")
        else:
            choices = sorted(mine & voters)
            if len(choices) > 1:
                raise invalid("domain", "you represent several domains: name the one you vote for")
            domain = domain_rows(session, choices[:1])[0] if choices else None
            if domain is None:
                raise Forbidden(f"The domains you represent joined the council after proposal {row.id} opened")
        if domain.id not in voters:
            raise Forbidden(f"{domain.name} joined the council after proposal {row.id} opened; it does not vote on it")
        return domain

    # -- deciding and applying -------------------------------------------------------------------
    def sweep(self) -> int:
        """Close proposals whose window ended, and apply passed ones not applied yet (after a crash)."""
        now = self._clock.now()
        decided = 0
        due_query = select(ProposalRow).where(ProposalRow.state == ProposalState.OPEN, ProposalRow.closes_at <= now)
        unapplied_query = select(ProposalRow.id).where(
            ProposalRow.state == ProposalState.PASSED, ProposalRow.applied.is_(None)
        )
        with self._catalog.read() as session:  # reads call this: take the write lock only when something is due
            any_due = session.scalar(due_query.with_only_columns(ProposalRow.id).limit(1)) is not None
        if any_due:
            with self._catalog.transaction() as session:
                for row in list(session.scalars(due_query)):
                    self._settle(session, row, now, closed=True)
                    decided += 1
        with self._catalog.read() as session:
            unapplied = list(session.scalars(unapplied_query))
        for proposal_id in unapplied:
            self._apply(proposal_id)
        return decided

    def _settle(self, session: Session, row: ProposalRow, now: datetime, *, closed: bool) -> bool:
        """Decide the proposal if its votes settle it; True when this call made it pass."""
        votes = list(session.scalars(select(VoteRow.vote).where(VoteRow.proposal_id == row.id)))
        rule = VotingRule.model_validate(row.rule)
        outcome, sentence = decide(
            rule,
            len(row.electorate),
            approve=votes.count("approve"),
            reject=votes.count("reject"),
            abstain=votes.count("abstain"),
            vetoable=bool(row.change.get("vetoable")),
            closed=closed,
        )
        if outcome is None:
            return False
        flipped = session.execute(
            update(ProposalRow)
            .where(ProposalRow.id == row.id, ProposalRow.state == ProposalState.OPEN)
            .values(state=outcome, decided_at=now, outcome=sentence)
            .execution_options(synchronize_session=False)
        )
        if getattr(flipped, "rowcount", 0) != 1:
            return False
        session.refresh(row)
        kind = "governance.proposal.passed" if outcome == ProposalState.PASSED else "governance.proposal.failed"
        self._event(session, None, row, kind, {"title": row.title, "state": outcome, "outcome": sentence})
        return outcome == ProposalState.PASSED

    def _apply(self, proposal_id: str) -> Proposal:
        with self._catalog.read() as session:
            row = self._load(session, proposal_id)
            change, kind, state, applied = dict(row.change), row.kind, row.state, row.applied
        if state != ProposalState.PASSED or applied is not None:
            return self.get(_council(proposal_id, self._clock.now()), proposal_id)
        council = _council(proposal_id, self._clock.now())
        result: dict[str, Any]
        try:
            result = self._apply_change(council, proposal_id, kind, change)
        except Exception as exc:
            result = {"error": f"{type(exc).__name__}: {exc}"}
        with self._catalog.transaction() as session:
            row = self._load(session, proposal_id, lock=True)
            if row.applied is None:
                row.applied = result
                self._event(session, council.name, row, "governance.proposal.applied", {"title": row.title, **result})
            return self._view(session, row)

    def _apply_change(self, council: Principal, proposal_id: str, kind: str, change: dict[str, Any]) -> dict[str, Any]:
        if kind in OTHER_KINDS:
            return self._settings.apply(council, proposal_id, kind, change)
        if kind == "voting-rule":
            rule = VotingRule.model_validate(change["rule"])
            with self._catalog.transaction() as session:
                version = set_rule(session, rule, by=council.name, at=self._clock.now())
            return {"rule_version": version}
        policy = dict(change["policy"])
        if change.get("action") == "retire":
            self._governance.delete_policy(council, str(policy["name"]), proposal=proposal_id)
            return {"policy": policy["name"], "retired": True}
        applied = self._governance.put_policy(council, PolicyDocument.model_validate(policy), proposal=proposal_id)
        return {"policy": applied.name, "version": applied.version, "changed": applied.changed}

    # -- internals -------------------------------------------------------------------------------
    def _load(self, session: Session, proposal_id: str, *, lock: bool = False) -> ProposalRow:
        query = select(ProposalRow).where(ProposalRow.id == proposal_id)
        row = session.scalar(query.with_for_update() if lock else query)
        if row is None:
            raise NotFound(f"Proposal {proposal_id!r} not found")
        return row

    def _event(
        self, session: Session, actor: str | None, row: ProposalRow, action: str, payload: dict[str, Any]
    ) -> None:
        record(
            session,
            at=self._clock.now(),
            actor=actor,
            action=action,
            resource_type="proposal",
            resource_id=row.id,
            resource_name=row.title,
            after={"proposal": row.id, **payload},
        )

    def _view(self, session: Session, row: ProposalRow) -> Proposal:
        votes = list(session.scalars(select(VoteRow).where(VoteRow.proposal_id == row.id).order_by(VoteRow.at)))
        voted = {v.domain_id for v in votes}
        change = {k: v for k, v in row.change.items() if k != "vetoable"}
        return Proposal(
            id=row.id,
            kind=row.kind,
            title=row.title,
            rationale=row.rationale,
            change=change,
            plan=row.plan,
            impact=Impact.model_validate(row.impact) if row.impact else None,
            rule=VotingRule.model_validate(row.rule),
            state=ProposalState(row.state),
            opened_by=row.opened_by,
            opened_at=row.opened_at,
            closes_at=row.closes_at,
            decided_at=row.decided_at,
            outcome=row.outcome,
            applied=row.applied,
            votes=[Vote(domain=v.domain, voter=v.voter, vote=v.vote, comment=v.comment, at=v.at) for v in votes],
            tally=Tally(
                electorate=[str(d["slug"]) for d in row.electorate],
                approve=sum(1 for v in votes if v.vote == "approve"),
                reject=sum(1 for v in votes if v.vote == "reject"),
                abstain=sum(1 for v in votes if v.vote == "abstain"),
                waiting=[str(d["slug"]) for d in row.electorate if d["id"] not in voted],
            ),
            frozen=bool(votes),
        )


def _other(spec: ProposalCreate) -> dict[str, Any] | None:
    """The change of a template, masking-policy, intake-form or glossary-term proposal, as given."""
    if spec.kind == "glossary-term":
        return {"action": spec.action, "term": spec.term}
    return {"template": spec.template, "masking-policy": spec.labels, "intake-form": spec.form}.get(spec.kind)


def _has_votes(session: Session, proposal_id: str) -> bool:
    return session.scalar(select(VoteRow.id).where(VoteRow.proposal_id == proposal_id).limit(1)) is not None


def _enforcement(policy: Any) -> str | None:
    return str(policy.enforcement) if policy is not None else None


def _council(proposal_id: str, now: datetime) -> Principal:
    """Who applies a passed proposal: the council itself, named after the proposal in versions and the audit."""
    return Principal(
        id="council", name=f"council:{proposal_id}", kind="service", platform_role=PlatformRole.ADMIN, created_at=now
    )
