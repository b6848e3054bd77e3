"""Lineage's tables: OpenLineage events and the edges of the graph."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lakemesh.catalog.tables.audit import AutoId
from lakemesh.catalog.tables.base import Base


class LineageEventRow(Base):
    """An OpenLineage RunEvent as received (from our pipelines or from outside tools)."""

    __tablename__ = "lineage_events"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(64), index=True)
    event_type: Mapped[str] = mapped_column(String(16))
    event_time: Mapped[datetime]
    job_namespace: Mapped[str] = mapped_column(String(256))
    job_name: Mapped[str] = mapped_column(String(256), index=True)
    domain_id: Mapped[str | None] = mapped_column(String(40), index=True)
    source: Mapped[str] = mapped_column(String(16))
    event: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_by: Mapped[str | None] = mapped_column(String(128))
    received_at: Mapped[datetime]


class LineageEdgeRow(Base):
    """A directed edge of the lineage graph between node keys (`table:...`, `pipeline:...`, `dataset:...`)."""

    __tablename__ = "lineage_edges"
    __table_args__ = (UniqueConstraint("source", "target"),)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(600), index=True)
    target: Mapped[str] = mapped_column(String(600), index=True)
    # Who may see nodes of this edge that are not mesh objects (external datasets and jobs): that domain's readers.
    domain_id: Mapped[str | None] = mapped_column(String(40))
    columns: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]
