"""The event every mutation writes to the outbox, in the same transaction as the change itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class Event(BaseModel):
    """A fact that happened, for consumers (webhooks, search, lineage, alerts) to catch up on."""

    id: int | None = None
    type: str = Field(description="Dotted name, e.g. `domain.created`.")
    at: datetime
    actor: str | None = Field(default=None, description="Name of the principal who caused it.")
    domain: str | None = Field(default=None, description="Slug of the domain it concerns, if any.")
    resource_type: str
    resource_id: str
    payload: dict[str, Any] = Field(default_factory=dict)
