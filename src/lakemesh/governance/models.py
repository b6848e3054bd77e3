"""Schemas of policies, violations, compliance reports, webhooks and notifications, shared with the SDK."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Enforcement = Literal["block", "warn", "alert"]
Severity = Literal["high", "medium", "low"]
# block refuses changes, alert pages someone, warn only informs: that order is also the order of strength.
SEVERITY: dict[str, Severity] = {"block": "high", "alert": "medium", "warn": "low"}
STRENGTH: dict[str, int] = {"warn": 1, "alert": 2, "block": 3}
SCOPES = ("GLOBAL", "DOMAIN", "WORKSPACE")
# What a policy stored without a rule says of itself, in its answer and in the compliance report.
NO_RULE = "no rule: evaluates nothing"


class PolicyDocument(BaseModel):
    """A policy as data teams write it (the seed's shape): name, description, scope, rule, enforcement."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Unique across the platform, e.g. `pii-classification`.")
    description: str = ""
    scope: str = Field(default="GLOBAL", description="`GLOBAL`, or `DOMAIN`/`WORKSPACE` with `domain`/`workspace`.")
    workspace: str | None = Field(default=None, description="The domain by its workspace name, e.g. `Sales-Domain`.")
    domain: str | None = Field(default=None, description="The domain, e.g. `Sales`.")
    rule: str = Field(
        default="",
        description="A sentence rule, or a CEL expression starting with `cel:`. Empty: the policy is stored but "
        "evaluates nothing, and says so (`no rule: evaluates nothing`).",
    )
    language: Literal["sentence", "cel"] | None = Field(default=None, description="Default: from the rule text.")
    enforcement: Enforcement = "warn"

    @field_validator("scope")
    @classmethod
    def _scope(cls, value: str) -> str:
        upper = value.strip().upper()
        if upper not in SCOPES:
            raise ValueError(f"must be one of {', '.join(SCOPES)}")
        return upper

    @field_validator("enforcement", mode="before")
    @classmethod
    def _enforcement(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _scope_target(self) -> PolicyDocument:
        target = self.domain or self.workspace
        if self.scope == "GLOBAL" and target:
            raise ValueError("a GLOBAL policy applies to every domain; remove workspace/domain or use scope DOMAIN")
        # A rule-less policy checks nothing anywhere, so it may wait for its workspace as it waits for its rule.
        if self.scope != "GLOBAL" and not target and self.rule.strip():
            raise ValueError(f"a {self.scope} policy needs `workspace` or `domain`")
        return self

    @property
    def domain_ref(self) -> str | None:
        return self.domain or self.workspace


class Policy(BaseModel):
    """A stored policy: the document as written plus its compiled facts and version."""

    id: str
    name: str
    slug: str
    description: str
    scope: str = Field(description="As written: `GLOBAL`, `DOMAIN` or `WORKSPACE`.")
    workspace: str | None = None
    domain: str | None = Field(default=None, description="Slug of the domain a DOMAIN/WORKSPACE policy governs.")
    rule: str
    language: Literal["sentence", "cel"]
    subject_kind: str = Field(description="What the rule is about: table, column, product, lakehouse or domain.")
    enforcement: Enforcement
    severity: Severity
    version: int
    created_by: str | None
    created_at: datetime
    updated_by: str | None
    updated_at: datetime
    etag: str
    changed: bool = Field(default=True, description="On PUT: false when the document was already stored as is.")
    note: str | None = Field(default=None, description=f"`{NO_RULE}` when the policy has no rule.")


class PolicyVersion(BaseModel):
    version: int
    document: dict[str, object]
    created_by: str | None
    created_at: datetime


class Violation(BaseModel):
    id: str
    policy: str
    enforcement: Enforcement
    severity: Severity
    subject_id: str
    subject_kind: str
    domain: str | None
    finding: Literal["violation", "error"]
    message: str
    status: Literal["open", "resolved"]
    first_seen_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None = None


class PolicyCompliance(BaseModel):
    """How one policy fared over the subjects it applies to; `compliance_pct` is 100 when it checked none."""

    policy: str
    enforcement: Enforcement
    subject_kind: str
    checked: int = 0
    compliant: int = 0
    violating: int = 0
    errors: int = 0
    timed_out: bool = False
    compliance_pct: float = 100.0
    note: str | None = Field(default=None, description=f"`{NO_RULE}` when the policy has no rule.")


class Finding(BaseModel):
    policy: str
    enforcement: Enforcement
    subject_id: str
    subject_kind: str
    domain: str | None
    finding: Literal["violation", "error"]
    message: str


class EvaluateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    domain: str | None = Field(default=None, description="Only this domain; default every domain you can read.")
    policies: list[str] | None = Field(default=None, description="Only these policies; default all.")
    dry_run: bool = Field(default=False, description="Report findings without opening or resolving violations.")


class EvaluationResult(BaseModel):
    evaluated_at: datetime
    subjects: int = Field(description="Subject checks made (a subject counts once per policy that applies).")
    seconds: float
    opened: int = 0
    resolved: int = 0
    dry_run: bool = False
    policies: list[PolicyCompliance]
    findings: list[Finding] = Field(description="At most 1000; the violations list has them all.")
    findings_total: int


class DomainCompliance(BaseModel):
    domain: str
    compliance_pct: float
    policies: list[PolicyCompliance]


class ComplianceReport(BaseModel):
    generated_at: datetime
    compliance_pct: float = Field(description="Compliant subject checks over all subject checks, in percent.")
    policies: list[PolicyCompliance]
    domains: list[DomainCompliance]


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="An http:// or https:// URL that accepts POSTed JSON.")
    domain: str | None = Field(default=None, description="Only this domain's events; default: platform-wide.")
    events: list[str] = Field(
        default_factory=lambda: ["governance.*"], description="Event types, `*` patterns allowed."
    )
    secret: str | None = Field(default=None, min_length=16, max_length=128, description="Default: generated.")
    description: str = ""


class Webhook(BaseModel):
    id: str
    url: str
    domain: str | None
    events: list[str]
    description: str
    active: bool
    created_by: str | None
    created_at: datetime


class IssuedWebhook(Webhook):
    """Returned once, on creation: the only time the signing secret is shown."""

    secret: str


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookDelivery(BaseModel):
    model_config = ConfigDict(use_enum_values=True)  # plain strings in the model, as before

    id: str
    webhook_id: str
    event_id: int
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class Notification(BaseModel):
    id: str
    at: datetime
    kind: str = Field(description="`violation.opened` or `violation.resolved`.")
    severity: Severity
    policy: str
    subject_id: str
    domain: str | None
    message: str


CSV_COLUMNS = (
    "domain",
    "policy",
    "enforcement",
    "subject_kind",
    "checked",
    "compliant",
    "violating",
    "errors",
    "compliance_pct",
)


def report_csv(report: ComplianceReport) -> str:
    """One row per domain and policy, then the overall rows with domain `*`."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    rows = [(d.domain, p) for d in report.domains for p in d.policies] + [("*", p) for p in report.policies]
    for domain, p in rows:
        writer.writerow(
            [
                domain,
                p.policy,
                p.enforcement,
                p.subject_kind,
                p.checked,
                p.compliant,
                p.violating,
                p.errors,
                p.compliance_pct,
            ]
        )
    return out.getvalue()
