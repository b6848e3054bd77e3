"""What the API returns about incidents and what it accepts to change them (shared with the SDK)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class IncidentState(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


OPEN: frozenset[str] = frozenset({IncidentState.NEW, IncidentState.ACKNOWLEDGED})
IncidentKind = Literal["quality", "sla", "pipeline"]


class TimelineEntry(BaseModel):
    at: datetime
    actor: str | None = Field(description="Who did it; None when the platform did (a run, a watch).")
    action: Literal["opened", "recurred", "acknowledged", "assigned", "resolved", "note"]
    note: str = ""


class Incident(BaseModel):
    id: str
    product: str = Field(description="`<domain>/<product>`.")
    cause: str = Field(description="`quality`, `sla:<objective>` or `pipeline:<domain>/<pipeline>`; one open each.")
    kind: IncidentKind
    state: IncidentState
    title: str
    assignee: str | None
    occurrences: int = Field(description="How many times the cause was seen while the incident was open.")
    opened_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    resolved_by: str | None = Field(description="Who resolved it; None when it was resolved automatically.")
    resolution: str | None
    timeline: list[TimelineEntry]


class IncidentUpdate(BaseModel):
    """`PATCH .../incidents/{id}`: acknowledge, assign, add a note or resolve (a reason is required)."""

    model_config = ConfigDict(extra="forbid")

    state: Literal["acknowledged", "resolved"] | None = None
    assignee: str | None = Field(default=None, max_length=254)
    note: str | None = Field(default=None, max_length=4000)
    resolution: str | None = Field(default=None, max_length=4000, description="Why it is resolved; required then.")
