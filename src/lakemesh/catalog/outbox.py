"""Reading the transactional outbox: each named consumer keeps its own position and catches up after downtime.

`claim()` locks the consumer's cursor row (FOR UPDATE SKIP LOCKED on PostgreSQL), so with several replicas
one consumer's batch is handled by exactly one of them; the position only moves when the handler succeeded.
On SQLite the batch starts by taking the database's write lock, so two threads (a writer indexing its own
events, the scheduler) never read the same position and handle the same events twice.
A consumer with an `Interest` is handed only the events it acts on; its position still moves past the others.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, exists, func, not_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from lakemesh.catalog.db import Catalog
from lakemesh.catalog.interest import Interest
from lakemesh.catalog.tables.audit import OutboxCursorRow, OutboxRow

Handler = Callable[[list[OutboxRow]], None]
BATCH = 500  # events handed to a handler at once


def consume(
    catalog: Catalog,
    consumer: str,
    handler: Handler,
    *,
    now: datetime,
    limit: int = BATCH,
    interest: Interest | None = None,
) -> int:
    """Hand the next events after the consumer's position (those of `interest`, if given) to `handler`; returns
    how many were handled. Past the last of them, the position moves to the newest event the batch could see."""
    with catalog.transaction() as session:
        cursor_query = select(OutboxCursorRow).where(OutboxCursorRow.consumer == consumer)
        if not catalog.is_sqlite:
            cursor_query = cursor_query.with_for_update(skip_locked=True)
        cursor = _claim(catalog, session, consumer, cursor_query)
        if cursor is None:
            # First use, or another replica holds the cursor right now. Two replicas starting together may both
            # try to create it: the insert does nothing when the row exists, and a held row is skipped.
            dialect = sqlite if catalog.is_sqlite else postgresql
            session.execute(
                dialect.insert(OutboxCursorRow)
                .values(consumer=consumer, last_id=0, updated_at=now)
                .on_conflict_do_nothing(index_elements=["consumer"])
            )
            cursor = session.scalar(cursor_query)
            if cursor is None:
                return 0
        after = [OutboxRow.id > cursor.last_id]
        wanted = after if interest is None else [*after, interest.where()]
        events = list(session.scalars(select(OutboxRow).where(*wanted).order_by(OutboxRow.id).limit(limit)))
        last = events[-1].id if events else cursor.last_id
        if interest is not None and len(events) < limit:  # no more events of interest: skip the rest seen
            last = max(last, session.scalar(select(func.max(OutboxRow.id)).where(*after)) or 0)
        if events:
            handler(events)
        if last != cursor.last_id:
            cursor.last_id = last
            cursor.updated_at = now
        return len(events)


def hold(catalog: Catalog, session: Session, consumer: str) -> None:
    """Keep the consumer's batches from running until `session` ends (waiting for one that runs now): work that
    reads the catalog and records what it found, as the consumer does, must not interleave with its batches, or a
    batch that handled a newer change could be overwritten with findings from before it."""
    query = select(OutboxCursorRow).where(OutboxCursorRow.consumer == consumer)
    _claim(catalog, session, consumer, query if catalog.is_sqlite else query.with_for_update())


def _claim(catalog: Catalog, session: Session, consumer: str, query: Select[OutboxCursorRow]) -> OutboxCursorRow | None:
    if catalog.is_sqlite:  # a write first: pysqlite's reads before it would run outside the transaction
        session.execute(
            update(OutboxCursorRow).where(OutboxCursorRow.consumer == consumer).values(last_id=OutboxCursorRow.last_id)
        )
    return session.scalar(query)


def pending(catalog: Catalog, consumer: str, interest: Interest | None = None) -> bool:
    """Whether events (of `interest`, if given) wait past the consumer's position: one read, so an idle consumer
    never takes the write lock."""
    position = select(OutboxCursorRow.last_id).where(OutboxCursorRow.consumer == consumer).scalar_subquery()
    waiting = [OutboxRow.id > func.coalesce(position, 0)]
    if interest is not None:
        waiting.append(interest.where())
    with catalog.read() as session:
        return bool(session.scalar(select(exists().where(*waiting))))


def position(catalog: Catalog, consumer: str) -> int:
    with catalog.read() as session:
        cursor = session.get(OutboxCursorRow, consumer)
        return cursor.last_id if cursor else 0


def newest_event(reader: Session | Connection) -> int:
    """The id of the newest outbox event (0 when none)."""
    return int(reader.scalar(select(func.max(OutboxRow.id))) or 0)


LATE_WINDOW = 1000  # events before the newest in which a late commit is still noticed


def _late_window(newest: int, ignoring: tuple[str, ...]) -> list[ColumnElement[bool]]:
    """Events of the late window before `newest` (and any after it), but for those `ignoring` names."""
    relevant = [not_(OutboxRow.type.startswith(prefix, autoescape=True)) for prefix in ignoring]
    return [OutboxRow.id > newest - LATE_WINDOW, *relevant]


def late_window_ids(session: Session, newest: int, *, ignoring: tuple[str, ...] = ()) -> frozenset[int]:
    """Ids of the events in the late window of `newest`: a cache keyed by `catalog_version` remembers them to tell
    which events it has not seen yet."""
    return frozenset(session.scalars(select(OutboxRow.id).where(*_late_window(newest, ignoring))))


def late_window_events(
    session: Session, newest: int, *, ignoring: tuple[str, ...] = (), limit: int
) -> list[Row[int, str, str | None]]:
    """(id, type, domain) of the events in the late window of `newest`, oldest first, at most `limit`."""
    query = select(OutboxRow.id, OutboxRow.type, OutboxRow.domain).where(*_late_window(newest, ignoring))
    return list(session.execute(query.order_by(OutboxRow.id).limit(limit)).all())


def catalog_version(reader: Session | Connection, *, ignoring: tuple[str, ...] = ()) -> tuple[int, int]:
    """Every catalog change writes an event, so a cache of catalog state keyed by this is fresh exactly until
    the next change (of an event type not in `ignoring`: prefixes of events that cannot change the cached state).

    The newest id alone is not enough on PostgreSQL: ids are taken at insert, so a transaction may commit after
    one with a higher id; the count of events just before the newest catches that (for any transaction that
    commits within LATE_WINDOW events of taking its id)."""
    statement = _VERSIONS.get(ignoring)
    if statement is None:
        statement = _VERSIONS[ignoring] = _version_statement(ignoring)
    row = reader.execute(statement).one()
    return int(row[0] or 0), int(row[1] or 0)


# One statement (one round trip) per `ignoring`, built once so SQLAlchemy's compiled cache serves it: governed
# queries read the version before every query.
_VERSIONS: dict[tuple[str, ...], Select[Any]] = {}


def _version_statement(ignoring: tuple[str, ...]) -> Select[Any]:
    relevant = [not_(OutboxRow.type.startswith(prefix, autoescape=True)) for prefix in ignoring]
    newest = select(func.coalesce(func.max(OutboxRow.id), 0)).where(*relevant).scalar_subquery()
    recent = (
        select(func.count())
        .select_from(OutboxRow)
        .where(OutboxRow.id > newest - LATE_WINDOW, OutboxRow.id <= newest, *relevant)
        .scalar_subquery()
    )
    return select(newest, recent)


def any_event(session: Session, ids: Collection[int]) -> bool:
    """Whether any of these events exists (has committed), for caches that noticed a gap in the ids."""
    return session.scalar(select(OutboxRow.id).where(OutboxRow.id.in_(sorted(ids))).limit(1)) is not None


def resources_changed(
    session: Session, after: int, upto: int, *, also: Collection[int] = ()
) -> list[tuple[int, str, str]]:
    """(id, resource type, resource id) of the events after `after` up to `upto`, and of the `also` ids."""
    window = (OutboxRow.id > after) & (OutboxRow.id <= upto)
    where = or_(window, OutboxRow.id.in_(sorted(also))) if also else window
    rows = session.execute(select(OutboxRow.id, OutboxRow.resource_type, OutboxRow.resource_id).where(where))
    return [(event_id, kind, resource_id) for event_id, kind, resource_id in rows]


def events_of_interest(
    reader: Session | Connection, after: int, upto: int, interest: Interest
) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(type, resource type, resource id, payload) of the events in (after, upto] that `interest` matches."""
    query = select(OutboxRow.type, OutboxRow.resource_type, OutboxRow.resource_id, OutboxRow.payload).where(
        OutboxRow.id > after, OutboxRow.id <= upto, interest.where()
    )
    return [
        (kind, resource_type, resource_id, payload)
        for kind, resource_type, resource_id, payload in reader.execute(query)
    ]


def cursor_select(consumer: str, *columns: Any) -> Select[Any]:
    """`columns` and the consumer's position (no row before its first run), for use inside a larger query."""
    return select(*columns, OutboxCursorRow.last_id).where(OutboxCursorRow.consumer == consumer)


def rewind(session: Session, consumer: str) -> None:
    """Sets the consumer back to the start of the outbox (to re-read every event, e.g. after a restore)."""
    cursor = session.get(OutboxCursorRow, consumer)
    if cursor is not None:
        cursor.last_id = 0


def newest_events(session: Session, types: Collection[str], limit: int) -> list[OutboxRow]:
    """The newest events of these types, newest first, at most `limit`."""
    query = select(OutboxRow).where(OutboxRow.type.in_(list(types))).order_by(OutboxRow.id.desc()).limit(limit)
    return list(session.scalars(query))
