"""Cron schedules of quality runs: five-field expressions in UTC, next run computed with croniter.

Each due slot is claimed as a `scheduled_slots` row in the transaction that moves the schedule on, so across
replicas a slot is claimed once. A slot left running by a replica that died is taken over by the leader: if the
dead replica had recorded its run, the slot adopts that run; otherwise the slot runs again (a scan only reads).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from croniter import croniter
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lakemesh.catalog import Catalog
from lakemesh.catalog.leadership import replica_alive
from lakemesh.catalog.tables.quality import QualityRunRow, QualityScheduleRow
from lakemesh.catalog.tables.scheduling import ScheduledSlotRow
from lakemesh.core.errors import invalid
from lakemesh.quality.store import due_schedules

MIN_INTERVAL = timedelta(minutes=1)
JOB = "quality"


@dataclass(frozen=True)
class Slot:
    """One claimed cron slot of a product's quality schedule."""

    product_id: str
    domain_id: str
    scheduled_for: datetime


def parse_cron(expression: str) -> str:
    """A normalised five-field cron expression, or InvalidInput naming the problem."""
    text = " ".join(expression.split())
    if len(text.split(" ")) != 5:
        raise invalid("cron", f"{expression!r} is not a five-field cron expression like '0 6 * * *'")
    if not croniter.is_valid(text):
        raise invalid("cron", f"{expression!r} is not a valid cron expression")
    return text


def next_run(expression: str, after: datetime) -> datetime:
    """The first time strictly after `after` that the expression matches (UTC)."""
    start = after.astimezone(UTC)
    following: datetime = croniter(expression, start).get_next(datetime)
    return following.astimezone(UTC)


def claim_due(catalog: Catalog, now: datetime, replica: str) -> list[Slot]:
    """Claim every due schedule's slot for `replica` and move the schedules on, in one transaction."""
    claimed: list[Slot] = []
    try:
        with catalog.transaction() as session:
            for row in due_schedules(session, now, lock=not catalog.is_sqlite):
                slot = row.next_run_at
                if session.get(ScheduledSlotRow, (JOB, row.product_id, slot)) is None:
                    session.add(
                        ScheduledSlotRow(
                            job=JOB,
                            owner_id=row.product_id,
                            scheduled_for=slot,
                            state="running",
                            replica=replica,
                            claimed_at=now,
                        )
                    )
                    claimed.append(Slot(row.product_id, row.domain_id, slot))
                row.next_run_at, row.last_run_at = next_run(row.cron, now), now
    except IntegrityError:  # another replica claimed the same slot first
        return []
    return claimed


def take_over_interrupted(catalog: Catalog, now: datetime, replica: str) -> list[Slot]:
    """Slots a dead replica left running: adopt the run it recorded, or take the slot over to run it again.

    Our own running slots count too: ticks run one at a time, so one still running was cut off by an error.
    """
    slots = ScheduledSlotRow
    query = select(slots).where(slots.job == JOB, slots.state == "running")
    with catalog.read() as session:
        running = list(session.scalars(query))
    taken: list[Slot] = []
    for stale in running:
        if stale.replica != replica and replica_alive(catalog, stale.replica):
            continue
        with catalog.transaction() as session:
            key = (JOB, stale.owner_id, stale.scheduled_for)
            row = session.get(ScheduledSlotRow, key, with_for_update=not catalog.is_sqlite)
            if row is None or row.state != "running" or row.replica != stale.replica:
                continue  # another replica took it meanwhile
            schedule = session.get(QualityScheduleRow, row.owner_id)
            recorded = _recorded_run(session, row)
            if recorded is not None:
                row.state, row.run_id, row.finished_at = "done", recorded, now
            elif schedule is None:
                row.state, row.finished_at, row.error = "failed", now, "the schedule was removed before the run"
            else:
                row.replica, row.claimed_at = replica, now
                taken.append(Slot(row.owner_id, schedule.domain_id, row.scheduled_for))
    return taken


def finish(catalog: Catalog, slot: Slot, now: datetime, *, run_id: str | None, error: str | None = None) -> None:
    with catalog.transaction() as session:
        row = session.get(ScheduledSlotRow, (JOB, slot.product_id, slot.scheduled_for))
        if row is not None:
            row.state = "failed" if error is not None else "done"
            row.run_id, row.finished_at, row.error = run_id, now, error


def _recorded_run(session: Session, row: ScheduledSlotRow) -> str | None:
    """The scheduled run the dead replica recorded for this slot after claiming it, if it got that far."""
    adopted = select(ScheduledSlotRow.run_id).where(ScheduledSlotRow.run_id.is_not(None))
    return session.scalar(
        select(QualityRunRow.id)
        .where(
            QualityRunRow.product_id == row.owner_id,
            QualityRunRow.trigger == "scheduled",
            QualityRunRow.started_at >= row.claimed_at,
            QualityRunRow.id.not_in(adopted),
        )
        .order_by(QualityRunRow.started_at)
        .limit(1)
    )
