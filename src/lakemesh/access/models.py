"""Schemas of access requests, grants, masking settings and governed queries, shared with the SDK."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class RequestState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    CANCELLED = "cancelled"


# The council may grant a request that is still open or that an approver denied (an appeal); never a decided grant.
COUNCIL_GRANTABLE: frozenset[RequestState] = frozenset({RequestState.PENDING, RequestState.DENIED})


class GrantState(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


QueryFormat = Literal["json", "arrow", "csv", "parquet"]
MAX_DURATION_DAYS = 366
DEFAULT_DURATION = "90d"


def _columns(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    cleaned = list(dict.fromkeys(c.strip() for c in value if c.strip()))
    if not cleaned:
        raise ValueError("list at least one column, or leave it out for all columns")
    return cleaned


class AccessRequestCreate(BaseModel):
    """`POST /access-requests`: what a consumer asks for and why."""

    model_config = ConfigDict(extra="forbid")

    product: str = Field(description="`<domain>/<product>`, or a product name that is unique in the mesh.")
    purpose: str = Field(min_length=1, max_length=4000, description="Why you need it; the approvers read this.")
    columns: list[str] | None = Field(
        default=None,
        description="Columns you need; leave out for all. Confidential columns are only unmasked when named here.",
    )
    duration: str | None = Field(default=DEFAULT_DURATION, description="How long, e.g. `30d`, `12w`; at most 366d.")
    grantee: str | None = Field(
        default=None,
        description="Who gets it: yourself (default), or `domain:<domain>` for all members of a domain you administer.",
    )
    accept_terms: bool = Field(
        default=False,
        description="You accept the product's `usage_terms` (needed when it has any; they go into the agreement).",
    )

    @field_validator("purpose")
    @classmethod
    def _purpose(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("say why you need the data")
        return value.strip()

    @field_validator("columns")
    @classmethod
    def _clean_columns(cls, value: list[str] | None) -> list[str] | None:
        return _columns(value)


class AccessDecision(BaseModel):
    """`POST .../approve`: optionally narrow the columns or the duration."""

    model_config = ConfigDict(extra="forbid")

    columns: list[str] | None = Field(default=None, description="A subset of the requested columns.")
    duration: str | None = Field(default=None, description="At most the requested duration.")
    note: str = ""
    obligations: list[Annotated[str, Field(min_length=1, max_length=1000)]] = Field(
        default_factory=list,
        max_length=50,
        description="What the consumer must also do, beyond the product's usage terms (e.g. `delete extracts "
        "within 30 days of the agreement's end`); written into the usage agreement.",
    )

    @field_validator("columns")
    @classmethod
    def _clean_columns(cls, value: list[str] | None) -> list[str] | None:
        return _columns(value)

    @field_validator("obligations")
    @classmethod
    def _obligations(cls, value: list[str]) -> list[str]:
        cleaned = [o.strip() for o in value]
        if any(not o for o in cleaned):
            raise ValueError("an obligation must not be blank")
        return list(dict.fromkeys(cleaned))


class AccessDenial(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=4000)

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("give the requester a reason")
        return value.strip()


class HistoryEntry(BaseModel):
    at: datetime
    actor: str | None
    action: str
    note: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class AccessRequest(BaseModel):
    model_config = ConfigDict(use_enum_values=True)

    id: str
    product: str = Field(description="`<domain>/<product>`.")
    product_name: str
    requester: str
    grantee: str
    grantee_kind: Literal["principal", "domain"]
    purpose: str
    columns: list[str] | None
    duration: str | None
    state: RequestState
    approvers: list[str] = Field(description="The product owner and the domain's Admins.")
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    grant_id: str | None
    terms: list[str] | None = Field(
        default=None, description="The product's usage terms the requester accepted when asking."
    )
    agreement_id: str | None = Field(default=None, description="The usage agreement the approval made.")
    history: list[HistoryEntry]
    created_at: datetime
    updated_at: datetime


class Grant(BaseModel):
    model_config = ConfigDict(use_enum_values=True)

    id: str
    product: str
    table: str | None = Field(description="`<domain>.<lakehouse>.<table>` the product is served from.")
    grantee: str
    grantee_kind: Literal["principal", "domain"]
    columns: list[str] | None = Field(description="None = every column that carries no Confidential label.")
    expires_at: datetime | None
    state: GrantState
    request_id: str | None
    created_by: str | None
    created_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None
    revoke_reason: str | None
    agreement_id: str | None = Field(default=None, description="The usage agreement this grant carries out.")
    agreement_version: int | None = Field(default=None, description="The agreement's version accepted last.")


class GrantRevoke(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = ""


class AgreementState(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    ENDED = "ended"


class AgreementTerms(BaseModel):
    """What both sides agreed to in one version of a usage agreement."""

    version: int
    purpose: str
    columns: list[str] | None = Field(description="None = every column without a Confidential label.")
    contract_version: str = Field(description="The product's contract version when this version was agreed.")
    sla: dict[str, Any] = Field(description="The product's SLA when this version was agreed.")
    obligations: list[str] = Field(description="The consumer's obligations: the product's terms and the approver's.")
    valid_from: datetime
    valid_until: datetime | None
    agreed_by: str = Field(description="Who approved (version 1) or renewed it on the provider's side.")
    agreed_at: datetime
    note: str | None = None


class UsageAgreement(BaseModel):
    """A usage agreement between a product's provider and a consumer, made by approving an access request."""

    id: str
    product: str = Field(description="`<domain>/<product>`.")
    product_name: str
    provider: str = Field(description="The product's owner when the agreement was made.")
    consumer: str = Field(description="A principal's name, or `domain:<slug>` for every member of a domain.")
    consumer_kind: Literal["principal", "domain"]
    state: AgreementState = Field(description="`ended`: the grant was revoked; `expired`: past `valid_until`.")
    version: int
    purpose: str
    columns: list[str] | None
    contract_version: str
    sla: dict[str, Any]
    obligations: list[str]
    valid_from: datetime = Field(description="Start of the current version.")
    valid_until: datetime | None
    request_id: str | None
    grant_id: str
    approved_by: str
    created_at: datetime
    ended_at: datetime | None
    ended_by: str | None
    end_reason: str | None
    versions: list[AgreementTerms] = Field(description="Every version, oldest first.")


class AgreementRenewal(BaseModel):
    """`POST /agreements/{id}/renew`: extend an agreement in force, from its current end."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    duration: str | None = Field(default=None, description="How much longer, e.g. `30d`; default: the current length.")
    note: str = Field(default="", max_length=4000)


class MaskingPolicy(BaseModel):
    """The masking function per sensitivity label (labels matched case-insensitively)."""

    model_config = ConfigDict(extra="forbid")

    labels: dict[str, Literal["redact", "hash", "partial", "null"]]


class QueryRequest(BaseModel):
    """`POST /query`: one read query over tables (`domain.lakehouse.table`) and products (`product.domain.name`)."""

    model_config = ConfigDict(extra="forbid")

    sql: str = Field(min_length=1, max_length=100_000)
    format: QueryFormat = "json"
    limit: int | None = Field(default=None, ge=0, le=1_000_000, description="At most this many rows (default 10000).")
    id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_-]{8,64}$",
        description="An id you choose (8-64 letters, digits, `-`, `_`) to cancel the query while it runs: "
        "`POST /query/{id}/cancel`.",
    )


class QueryColumn(BaseModel):
    name: str
    type: str


class QueryResult(BaseModel):
    """A query's result as JSON: columns, rows as lists, and whether the row limit cut it short."""

    columns: list[QueryColumn]
    rows: list[list[Any]]
    row_count: int
    truncated: bool
    tables: list[str]
    masked_columns: dict[str, list[str]] = Field(description="Per table, the columns you saw masked.")
    duration_ms: int | None = Field(default=None, description="How long the query took on the server.")


class QueryHistoryEntry(BaseModel):
    """One of your own queries that ran, as the read audit recorded it."""

    at: datetime
    sql: str
    rows: int
    truncated: bool
    tables: list[str]
    duration_ms: int | None = None
