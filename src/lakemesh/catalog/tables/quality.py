"""Catalog tables of the quality capability: run history, cron schedules and the last known SLA states."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lakemesh.catalog.tables.base import Base


class QualityRunRow(Base):
    """One quality run of a product; per-rule counts live in `rules` (never sample rows: they hold data)."""

    __tablename__ = "quality_runs"
    __table_args__ = (Index("ix_quality_runs_product_started", "product_id", "started_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    domain_id: Mapped[str] = mapped_column(String(40), index=True)
    product_version: Mapped[str] = mapped_column(String(64))
    table_name: Mapped[str] = mapped_column(String(400))
    table_version: Mapped[int | None] = mapped_column(BigInteger)
    from_version: Mapped[int | None] = mapped_column(BigInteger)
    mode: Mapped[str] = mapped_column(String(16))
    mode_reason: Mapped[str] = mapped_column(Text, default="")
    trigger: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    total_rows: Mapped[int] = mapped_column(BigInteger, default=0)
    score: Mapped[float | None] = mapped_column(Float)
    weighted_score: Mapped[float | None] = mapped_column(Float)
    rules: Mapped[list[Any]] = mapped_column(default=list)
    error: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(128))


class QualityScheduleRow(Base):
    """A product's cron schedule; the scheduler's tick runs every schedule whose `next_run_at` has come."""

    __tablename__ = "quality_schedules"

    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    domain_id: Mapped[str] = mapped_column(String(40))
    cron: Mapped[str] = mapped_column(String(128))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    next_run_at: Mapped[datetime] = mapped_column(index=True)
    last_run_at: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(String(128))
    updated_at: Mapped[datetime]


class SlaStateRow(Base):
    """The last status of one SLA objective, so a change raises one event and `since` is stable."""

    __tablename__ = "sla_states"

    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    objective: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    since: Mapped[datetime]
    updated_at: Mapped[datetime]
