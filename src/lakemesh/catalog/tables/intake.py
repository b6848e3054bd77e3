"""Catalog table of the intake capability: the JSON Schema of required product fields, per domain or platform-wide."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from lakemesh.catalog.tables.base import Base


class IntakeFormRow(Base):
    """`scope` is a domain id, or `platform` for the form every product must fill."""

    __tablename__ = "intake_forms"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    schema: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_by: Mapped[str | None] = mapped_column(String(128))
    updated_at: Mapped[datetime]
