"""What a glossary term is, what it is linked to, and how terms are written (API, YAML, CSV)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

GLOBAL = "GLOBAL"


class TermStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    DEPRECATED = "deprecated"


# draft -> approved -> deprecated, and a deprecated term may be approved again; nothing goes back to draft.
TRANSITIONS: dict[TermStatus, frozenset[TermStatus]] = {
    TermStatus.DRAFT: frozenset(TermStatus),
    TermStatus.APPROVED: frozenset({TermStatus.APPROVED, TermStatus.DEPRECATED}),
    TermStatus.DEPRECATED: frozenset({TermStatus.DEPRECATED, TermStatus.APPROVED}),
}
REVIEWED = frozenset({TermStatus.APPROVED, TermStatus.DEPRECATED})  # changed only by the domain's Admins


class LinkKind(StrEnum):
    PRODUCT = "product"
    TABLE = "table"
    COLUMN = "column"


class LinkStatus(StrEnum):
    LINKED = "linked"
    SUGGESTED = "suggested"


class TermSpec(BaseModel):
    """A term as its owners write it (PUT body, one YAML document, one CSV row)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1,
        max_length=200,
        pattern=r"^[^/\\\x00-\x1f]+$",
        description="Unique across the mesh, whatever its case; no slashes, backslashes or control characters.",
    )
    definition: str = Field(default="", max_length=20_000, description="Markdown.")
    domain: str = Field(default=GLOBAL, description="The owning domain's slug, or GLOBAL.")
    status: TermStatus = TermStatus.DRAFT
    owners: list[str] = Field(default_factory=list, max_length=50, description="Principals or groups.")
    stewards: list[str] = Field(default_factory=list, max_length=50)
    synonyms: list[str] = Field(default_factory=list, max_length=100)
    related: list[str] = Field(default_factory=list, max_length=100, description="Names of related terms.")
    parent: str | None = Field(default=None, description="The category (another term) this term belongs under.")
    classifications: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="Classifications the term covers (e.g. `email`, `phone`): a column classified so is suggested "
        "for a link to the term, for review.",
    )


class Term(BaseModel):
    id: str
    name: str
    domain: str = Field(description="The owning domain's slug, or GLOBAL.")
    definition: str
    status: TermStatus
    owners: list[str]
    stewards: list[str]
    synonyms: list[str]
    related: list[str]
    parent: str | None
    classifications: list[str] = Field(default_factory=list)
    version: int
    links: int = Field(default=0, description="How many objects the term is linked to (suggestions excluded).")
    created_by: str | None
    created_at: datetime
    updated_by: str | None
    updated_at: datetime


class TermLink(BaseModel):
    term: str
    kind: LinkKind
    target: str = Field(description="`domain/product`, `domain.lakehouse.table` or `domain.lakehouse.table.column`.")
    domain: str
    column: str | None = None
    status: LinkStatus
    created_by: str | None
    created_at: datetime


class TermDetail(Term):
    """A term's page: the term, its sub-terms and everything linked to it that the reader may see."""

    children: list[str] = Field(default_factory=list)
    linked: list[TermLink] = Field(default_factory=list)


class TermVersion(BaseModel):
    version: int
    document: TermSpec
    changed_by: str | None
    changed_at: datetime


class TermBrief(BaseModel):
    """A term as shown beside a column or product: enough to understand it without leaving the page."""

    name: str
    definition: str
    status: TermStatus


class ImportResult(BaseModel):
    created: list[str]
    updated: list[str]
    unchanged: list[str]


LinkTarget = Literal["product", "table", "column"]
