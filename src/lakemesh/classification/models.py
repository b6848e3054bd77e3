"""What the classification capability shows: suggestions (counts, never sample values), scans, classifiers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class SuggestionStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


DECIDED = frozenset({SuggestionStatus.ACCEPTED, SuggestionStatus.REJECTED})


class SuggestionSource(StrEnum):
    SCAN = "scan"
    LINEAGE = "lineage"


class Suggestion(BaseModel):
    id: str
    table: str = Field(description="`<domain>.<lakehouse>.<table>`")
    column: str
    classification: str
    confidence: float
    sample_count: int = Field(description="Sampled non-empty values of the column.")
    matched: int = Field(description="How many of them the classifier recognised.")
    source: SuggestionSource
    path: str = Field(default="", description="For lineage suggestions: where the label comes from.")
    label: str | None = Field(description="The sensitivity label accepting sets (or set).")
    status: SuggestionStatus
    created_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None


class ClassificationScan(BaseModel):
    table: str
    sample_rows: int = Field(description="Rows read (bounded by the sample setting, whatever the table's size).")
    columns_scanned: list[str]
    masked_columns: list[str] = Field(description="Columns masked for the scanning principal: not classified.")
    suggestions: list[Suggestion] = Field(description="New or refreshed suggestions of this scan.")


class ClassifierInfo(BaseModel):
    name: str
    description: str
    builtin: bool
    name_hints: list[str]
    needs_hint: bool
    pattern: str | None = None
    validator: str | None = None


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str | None = Field(
        default=None, max_length=64, description="Sensitivity label to set; default the classification's."
    )


class ClassificationSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    auto_accept_above: float | None = Field(
        default=None, ge=0.5, le=1.0, description="Accept suggestions at or above this confidence without review."
    )
    every: str | None = Field(default=None, description="Scan the domain's tables this often, e.g. `24h`.")
