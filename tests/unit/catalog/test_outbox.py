"""Outbox consumers: several threads catching up at once hand each event to the handler exactly once."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from sqlalchemy import select

from lakemesh.catalog.journal import record
from lakemesh.catalog.outbox import consume, pending
from lakemesh.catalog.tables.audit import OutboxRow
from lakemesh.mesh import Mesh


def test_concurrent_catch_ups_handle_each_event_once(admin: Mesh) -> None:
    catalog = admin.platform.catalog
    now = datetime.now(UTC)
    for index in range(60):
        with catalog.transaction() as session:
            record(session, at=now, actor="admin", action="test.happened", resource_type="test", resource_id=str(index))
    handled: list[int] = []

    def handler(events: list[OutboxRow]) -> None:
        time.sleep(0.01)  # widen the window in which a second reader could see the same position
        handled.extend(e.id for e in events)

    def catch_up() -> None:
        while consume(catalog, "test-consumer", handler, now=now, limit=7):
            pass

    threads = [threading.Thread(target=catch_up) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with catalog.read() as session:
        wanted = sorted(session.scalars(select(OutboxRow.id)))
    assert sorted(handled) == wanted


def test_pending_says_whether_a_consumer_has_events_to_read(admin: Mesh) -> None:
    """An idle consumer checks with one read instead of taking the write lock after every write."""
    catalog = admin.platform.catalog
    now = datetime.now(UTC)
    assert pending(catalog, "new-consumer")  # the bootstrap wrote events already
    while consume(catalog, "new-consumer", lambda events: None, now=now):
        pass
    assert not pending(catalog, "new-consumer")
    with catalog.transaction() as session:
        record(session, at=now, actor="admin", action="test.happened", resource_type="test", resource_id="1")
    assert pending(catalog, "new-consumer")
