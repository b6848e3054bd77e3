"""Catalog table of scheduled slots: one row per (job, owner, slot), so a slot is claimed and recorded once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lakemesh.catalog.tables.base import Base


class ScheduledSlotRow(Base):
    """A cron slot one replica claimed; the primary key makes a second claim of the same slot fail.

    `state` is running → done | failed; a running slot whose replica died is taken over by the leader.
    """

    __tablename__ = "scheduled_slots"

    job: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    scheduled_for: Mapped[datetime] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    replica: Mapped[str] = mapped_column(String(255))
    run_id: Mapped[str | None] = mapped_column(String(40))
    claimed_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
