"""Catalog tables of the classification capability: suggestions (and the decisions on them), custom classifiers
and each domain's classification settings. Sample values are never stored, only counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lakemesh.catalog.tables.base import Base


class ClassificationSuggestionRow(Base):
    """One classification of one column, suggested by a scan or by lineage; decided once by a steward."""

    __tablename__ = "classification_suggestions"
    __table_args__ = (
        UniqueConstraint("table_id", "column_name", "classification", name="uq_classification_suggestion"),
        Index("ix_classification_suggestions_domain_status", "domain_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    table_id: Mapped[str] = mapped_column(String(40), index=True)
    domain_id: Mapped[str] = mapped_column(String(40))
    table_name: Mapped[str] = mapped_column(String(400))
    column_name: Mapped[str] = mapped_column(String(256))
    classification: Mapped[str] = mapped_column(String(64))
    confidence: Mapped[float] = mapped_column(Float)
    sample_count: Mapped[int] = mapped_column(Integer, default=0)
    matched: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(16))  # scan | lineage
    path: Mapped[str] = mapped_column(Text, default="")
    label: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(128))


class CustomClassifierRow(Base):
    __tablename__ = "custom_classifiers"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    spec: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(128))


class ClassificationSettingsRow(Base):
    """Per domain: auto-accept threshold and the scan schedule (`every`, e.g. `24h`; none = no scheduled scans)."""

    __tablename__ = "classification_settings"

    domain_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    auto_accept_above: Mapped[float | None] = mapped_column(Float)
    every: Mapped[str | None] = mapped_column(String(16))
    last_scan_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
