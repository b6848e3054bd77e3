"""Catalog queries of the quality capability."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lakemesh.catalog.tables.quality import QualityRunRow, QualityScheduleRow, SlaStateRow
from lakemesh.quality.models import QualityRun, QualitySchedule, RuleOutcome


def latest_run(session: Session, product_id: str, *, readable_only: bool = False) -> QualityRunRow | None:
    query = select(QualityRunRow).where(QualityRunRow.product_id == product_id)
    if readable_only:
        query = query.where(QualityRunRow.status != "errored")
    return session.scalar(query.order_by(QualityRunRow.started_at.desc(), QualityRunRow.id.desc()).limit(1))


def previous_for_increment(session: Session, product_id: str, version: str) -> QualityRunRow | None:
    """The last run that read the table under the same rules (same product version)."""
    return session.scalar(
        select(QualityRunRow)
        .where(
            QualityRunRow.product_id == product_id,
            QualityRunRow.product_version == version,
            QualityRunRow.status != "errored",
            QualityRunRow.table_version.is_not(None),
        )
        .order_by(QualityRunRow.started_at.desc(), QualityRunRow.id.desc())
        .limit(1)
    )


def runs_page(session: Session, product_id: str, *, limit: int, before: Any) -> list[QualityRunRow]:
    """Newest first; `before` is the (started_at, id) of the last run of the previous page."""
    query = select(QualityRunRow).where(QualityRunRow.product_id == product_id)
    if before is not None:
        started = datetime.fromisoformat(str(before[0]))
        query = query.where(
            (QualityRunRow.started_at < started)
            | ((QualityRunRow.started_at == started) & (QualityRunRow.id < str(before[1])))
        )
    query = query.order_by(QualityRunRow.started_at.desc(), QualityRunRow.id.desc()).limit(limit + 1)
    return list(session.scalars(query))


def window_counts(session: Session, product_id: str, since: datetime) -> tuple[int, int]:
    """(runs, runs that could read the table) since `since`."""
    rows = session.execute(
        select(QualityRunRow.status, func.count())
        .where(QualityRunRow.product_id == product_id, QualityRunRow.started_at >= since)
        .group_by(QualityRunRow.status)
    ).all()
    total = sum(int(count) for _, count in rows)
    readable = sum(int(count) for status, count in rows if status != "errored")
    return total, readable


def sla_states(session: Session, product_id: str, *, lock: bool) -> dict[str, SlaStateRow]:
    query = select(SlaStateRow).where(SlaStateRow.product_id == product_id)
    if lock:
        query = query.with_for_update()
    return {row.objective: row for row in session.scalars(query)}


def due_schedules(session: Session, now: datetime, *, lock: bool, limit: int = 20) -> list[QualityScheduleRow]:
    query = (
        select(QualityScheduleRow)
        .where(QualityScheduleRow.enabled.is_(True), QualityScheduleRow.next_run_at <= now)
        .order_by(QualityScheduleRow.next_run_at)
        .limit(limit)
    )
    if lock:
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def run_view(row: QualityRunRow, product: str, *, samples: dict[int, list[dict[str, Any]]] | None = None) -> QualityRun:
    """The stored run; `samples` (fresh from a scan, never stored) are attached per rule index when given."""
    rules = [
        RuleOutcome.model_validate({**rule, "samples": samples.get(i, []) if samples is not None else None})
        for i, rule in enumerate(row.rules)
    ]
    return QualityRun.model_validate(
        {
            "id": row.id,
            "product": product,
            "product_version": row.product_version,
            "table": row.table_name,
            "table_version": row.table_version,
            "from_version": row.from_version,
            "mode": row.mode,
            "mode_reason": row.mode_reason,
            "trigger": row.trigger,
            "status": row.status,
            "started_at": row.started_at,
            "finished_at": row.finished_at,
            "total_rows": row.total_rows,
            "score": row.score,
            "weighted_score": row.weighted_score,
            "rules": rules,
            "error": row.error,
            "actor": row.actor,
        }
    )


def schedule_view(row: QualityScheduleRow, product: str) -> QualitySchedule:
    return QualitySchedule(
        product=product, cron=row.cron, enabled=row.enabled, next_run_at=row.next_run_at, last_run_at=row.last_run_at
    )


def last_sla_statuses(session: Session, product_ids: Collection[str]) -> list[tuple[str, str]]:
    """`(product id, status)` of every SLA objective last observed for the products (no fresh measurement)."""
    if not product_ids:
        return []
    rows = session.execute(
        select(SlaStateRow.product_id, SlaStateRow.status).where(SlaStateRow.product_id.in_(list(product_ids)))
    )
    return [(product_id, status) for product_id, status in rows]
