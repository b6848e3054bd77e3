"""Reading the transactional outbox: each named consumer keeps its own position and catches up after downtime.

`claim()` locks the consumer's cursor row (FOR UPDATE SKIP LOCKED on PostgreSQL), so with several replicas
one consumer's batch is handled by exactly one of them; the position only moves when the handler succeeded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from lakemesh.catalog.db import Catalog
from lakemesh.catalog.tables import OutboxCursorRow, OutboxRow

Handler = Callable[[list[OutboxRow]], None]


def consume(catalog: Catalog, consumer: str, handler: Handler, *, now: datetime, limit: int = 500) -> int:
    """Hand the next events after the consumer's position to `handler`; returns how many were handled."""
    with catalog.transaction() as session:
        cursor_query = select(OutboxCursorRow).where(OutboxCursorRow.consumer == consumer)
        if not catalog.is_sqlite:
            cursor_query = cursor_query.with_for_update(skip_locked=True)
        cursor = session.scalar(cursor_query)
        if cursor is None:
            exists = session.get(OutboxCursorRow, consumer)
            if exists is not None:  # another replica holds it right now
                return 0
            cursor = OutboxCursorRow(consumer=consumer, last_id=0, updated_at=now)
            session.add(cursor)
            session.flush()
        events = list(
            session.scalars(select(OutboxRow).where(OutboxRow.id > cursor.last_id).order_by(OutboxRow.id).limit(limit))
        )
        if not events:
            return 0
        handler(events)
        cursor.last_id = events[-1].id
        cursor.updated_at = now
        return len(events)


def position(catalog: Catalog, consumer: str) -> int:
    with catalog.read() as session:
        cursor = session.get(OutboxCursorRow, consumer)
        return cursor.last_id if cursor else 0
