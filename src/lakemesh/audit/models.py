"""Schemas of audit entries, shared with the SDK."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class AuditEntry(BaseModel):
    id: int
    at: datetime
    actor: str | None = None
    action: str
    resource_type: str
    resource_id: str
    resource_name: str | None = None
    domain: str | None = None
    summary: dict[str, Any] = Field(default_factory=dict)


class AuditQuery(BaseModel):
    actor: str | None = None
    action: str | None = Field(default=None, description="Exact action, or a prefix ending in `.` (`domain.`).")
    domain: str | None = None
    resource_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None
