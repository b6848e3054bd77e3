"""What the council's API returns and accepts (shared with the SDK): seats, the voting rule, proposals, cases."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class ProposalState(StrEnum):
    OPEN = "open"
    PASSED = "passed"
    REJECTED = "rejected"
    EXPIRED = "expired"


CLOSED: frozenset[str] = frozenset({ProposalState.PASSED, ProposalState.REJECTED, ProposalState.EXPIRED})
VoteChoice = Literal["approve", "reject", "abstain"]
ProposalKind = Literal["policy", "template", "masking-policy", "intake-form", "glossary-term", "voting-rule"]


class CaseState(StrEnum):
    OPEN = "open"
    DECIDED = "decided"


class VotingRule(BaseModel):
    """How a proposal passes. Fractions are of the domains with representatives when the proposal opened."""

    model_config = ConfigDict(extra="forbid")

    quorum: float = Field(default=2 / 3, gt=0, le=1, description="Share of domains that must vote (abstain counts).")
    majority: float = Field(
        default=0.5, ge=0.5, lt=1, description="Approvals must be more than this share of approve + reject votes."
    )
    veto: Literal["none", "block", "all"] = Field(
        default="block",
        description="`block`: one reject stops a proposal whose policy is (or was) `block`; `all`: any proposal; "
        "`none`: no veto.",
    )
    window: str = Field(default="7d", description="Default voting window of a new proposal, e.g. `7d`, `48h`.")


class Representative(BaseModel):
    name: str
    kind: Literal["user", "service", "group"]
    appointed_by: str | None
    appointed_at: datetime


class DomainSeat(BaseModel):
    domain: str = Field(description="The domain's slug.")
    domain_name: str
    representatives: list[Representative]


class Council(BaseModel):
    """Who sits on the council: each domain's representatives, the facilitators and the voting rule in force."""

    mode: Literal["direct", "council"] = Field(description="`LAKEMESH_GOVERNANCE_MODE` of this deployment.")
    domains: list[DomainSeat]
    facilitators: list[str] = Field(description="Platform admins: they record case decisions and open proposals.")
    rule: VotingRule
    rule_version: int


class CouncilUpdate(BaseModel):
    """Domains named here get exactly these representatives; domains not named keep theirs."""

    model_config = ConfigDict(extra="forbid")

    representatives: dict[str, list[str]] = Field(
        description='Domain -> principal or group names, e.g. `{"sales": ["sales-data-team@company.com"]}`.'
    )


class ProposalCreate(BaseModel):
    """The exact change (the document `policy apply` takes), why, and how long the council has to vote."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=400)
    rationale: str = Field(default="", max_length=20000)
    kind: ProposalKind = "policy"
    action: Literal["put", "retire"] = Field(
        default="put", description="`put` creates or changes (enforcement too); `retire` deletes the policy."
    )
    policy: dict[str, Any] | None = Field(default=None, description="The policy document (`retire`: its name).")
    rule: VotingRule | None = Field(default=None, description="kind `voting-rule`: the new voting rule.")
    template: dict[str, Any] | None = Field(
        default=None, description="kind `template`: `{name, document}`, the document `template put` takes."
    )
    labels: dict[str, str] | None = Field(
        default=None, description="kind `masking-policy`: the masking function per sensitivity label."
    )
    form: dict[str, Any] | None = Field(
        default=None, description="kind `intake-form`: the JSON Schema every new product must satisfy (platform-wide)."
    )
    term: dict[str, Any] | None = Field(
        default=None,
        description="kind `glossary-term`: the GLOBAL term's document as `PUT /glossary/terms/{name}` takes it "
        "(`action` retire: {name} of the term to delete).",
    )
    window: str | None = Field(default=None, description="Voting window, e.g. `7d`; default the rule's.")

    @model_validator(mode="after")
    def _change(self) -> ProposalCreate:
        if self.kind == "policy" and not self.policy:
            raise ValueError("a policy proposal needs `policy` (the document, or {name} to retire)")
        needs = {
            "voting-rule": "rule",
            "template": "template",
            "masking-policy": "labels",
            "intake-form": "form",
            "glossary-term": "term",
        }
        field = needs.get(self.kind)
        if field is not None and getattr(self, field) is None:
            raise ValueError(f"a {self.kind} proposal needs `{field}`")
        return self


class ImpactSubject(BaseModel):
    domain: str
    subject_id: str
    subject_kind: str
    message: str
    new: bool = Field(description="True when the subject does not violate the policy as it stands today.")


class DomainImpact(BaseModel):
    domain: str
    violating: int
    newly_violating: int


class Impact(BaseModel):
    """The dry-run of a policy proposal over the whole mesh: who would violate it once applied."""

    policy: str
    enforcement: str
    subject_kind: str
    checked: int
    violating: int
    newly_violating: int
    no_longer_violating: int
    domains: list[DomainImpact]
    subjects: list[ImpactSubject] = Field(description="At most 1000, newly violating first.")
    evaluated_at: datetime
    seconds: float


class Tally(BaseModel):
    electorate: list[str] = Field(description="Domains with representatives when the proposal opened.")
    approve: int
    reject: int
    abstain: int
    waiting: list[str] = Field(description="Domains that have not voted yet.")


class Vote(BaseModel):
    domain: str
    voter: str
    vote: VoteChoice
    comment: str
    at: datetime


class VoteCast(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vote: VoteChoice
    comment: str = Field(default="", max_length=4000)
    domain: str | None = Field(default=None, description="The domain you vote for; needed if you represent several.")

    @field_validator("vote", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value


class Proposal(BaseModel):
    id: str
    kind: ProposalKind
    title: str
    rationale: str
    change: dict[str, Any]
    plan: str = Field(description="The terraform-style plan of the change, as `policy apply --dry-run` shows it.")
    impact: Impact | None
    rule: VotingRule
    state: ProposalState
    opened_by: str | None
    opened_at: datetime
    closes_at: datetime
    decided_at: datetime | None
    outcome: str | None
    applied: dict[str, Any] | None = Field(description="What was applied, once, when the proposal passed.")
    votes: list[Vote]
    tally: Tally
    frozen: bool = Field(description="True after the first vote: the change can no longer be edited.")


class ProposalEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=400)
    rationale: str | None = Field(default=None, max_length=20000)
    policy: dict[str, Any] | None = None
    rule: VotingRule | None = None


class CaseSubject(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["product", "access_request", "breaking_change", "violation", "lineage_edge", "other"]
    ref: str = Field(min_length=1, max_length=400, description="e.g. `sales/customer-360` or an access request id.")


class CaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=400)
    description: str = Field(default="", max_length=20000)
    domains: list[str] = Field(min_length=1, max_length=50, description="The domains in the dispute.")
    subjects: list[CaseSubject] = Field(default_factory=list, max_length=100)


class CaseAction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["grant_access", "transfer_ownership", "fix_by"]
    request: str | None = Field(default=None, description="grant_access: the access request to grant.")
    product: str | None = Field(default=None, description="transfer_ownership: `domain/product`.")
    owner: str | None = Field(default=None, description="transfer_ownership: the new owner (a principal).")
    domain: str | None = Field(default=None, description="fix_by: the domain asked to fix.")
    by: datetime | None = Field(default=None, description="fix_by: the date it must be fixed by.")
    what: str = Field(default="", max_length=4000, description="fix_by: what must be fixed.")

    @model_validator(mode="after")
    def _fields(self) -> CaseAction:
        needed = {"grant_access": ("request",), "transfer_ownership": ("product", "owner"), "fix_by": ("domain", "by")}
        missing = [f for f in needed[self.kind] if getattr(self, f) is None]
        if missing:
            raise ValueError(f"{self.kind} needs {', '.join(missing)}")
        return self


class CaseDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: str = Field(min_length=1, max_length=20000, description="The written decision.")
    actions: list[CaseAction] = Field(default_factory=list, max_length=50)


class Case(BaseModel):
    model_config = ConfigDict(use_enum_values=True)

    id: str
    title: str
    description: str
    domains: list[str]
    subjects: list[CaseSubject]
    state: CaseState
    opened_by: str | None
    opened_at: datetime
    decision: str | None
    actions: list[dict[str, Any]] = Field(description="The decision's actions with what each did.")
    decided_by: str | None
    decided_at: datetime | None


class DecisionRecord(BaseModel):
    """One line of the standards changelog: a passed proposal or a decided case."""

    id: str
    kind: Literal["proposal", "case"]
    title: str
    summary: str
    at: datetime
    by: str | None
    domains: list[str]
    link: str
