"""Catalog tables of the incidents capability: one row per incident on a product, its timeline inside."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lakemesh.catalog.tables.base import Base


class IncidentRow(Base):
    """An incident on a product. `open_cause` equals `cause` while the incident is open and is NULL once resolved:
    the unique (product_id, open_cause) keeps one open incident per cause on both backends (NULLs never clash)."""

    __tablename__ = "incidents"
    __table_args__ = (UniqueConstraint("product_id", "open_cause"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    domain_id: Mapped[str] = mapped_column(String(40), index=True)
    cause: Mapped[str] = mapped_column(String(200))
    open_cause: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(400))
    assignee: Mapped[str | None] = mapped_column(String(254))
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(128))
    resolution: Mapped[str | None] = mapped_column(Text)
    timeline: Mapped[list[Any]] = mapped_column(default=list)
