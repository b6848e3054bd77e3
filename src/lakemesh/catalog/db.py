"""One Catalog per process: the engine, a session factory and the transaction every mutation runs in."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from lakemesh.catalog.interest import EventKind, Interest
from lakemesh.core.errors import ServiceUnavailable

CONNECT_TIMEOUT = 5  # seconds
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}
UNAVAILABLE = "The catalog database is unavailable; try again shortly"
WROTE_EVENTS = "lakemesh.wrote_events"  # session.info key: the kinds of outbox events the transaction added
log = logging.getLogger(__name__)


def is_disconnect(exc: BaseException) -> bool:
    """A catalog error meaning the database cannot be reached (not a bad query): answered with 503."""
    return isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )


class Catalog:
    """Wraps the SQLAlchemy engine; SQLite runs in WAL mode with foreign keys on."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            # An outage fails fast and heals by itself: a refused or slow connect gives up after CONNECT_TIMEOUT
            # seconds, keepalives notice a peer that vanished, and the first query that meets a broken connection
            # invalidates the whole pool (SQLAlchemy's disconnect handling), so after a restart only the requests
            # already holding old connections get a 503. No pool_pre_ping: its round trip on every checkout more
            # than doubled the cost of a short catalog query (benchmark in docs/replicas.md).
            kwargs.update(
                pool_size=10,
                max_overflow=20,
                pool_recycle=1800,
                pool_timeout=CONNECT_TIMEOUT * 2,
                connect_args={"connect_timeout": CONNECT_TIMEOUT, **KEEPALIVES},
            )
        self.engine: Engine = create_engine(url, **kwargs)
        # Hot reads run in autocommit on PostgreSQL: psycopg would otherwise send BEGIN before and ROLLBACK after
        # every read, three round trips where one does (single statements need no transaction to be consistent).
        self._reader = self.engine if self.is_sqlite else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._on_events: list[tuple[Callable[[], None], Interest | None]] = []

    def on_events_committed(self, callback: Callable[[], None], interest: Interest | None = None) -> None:
        """Run `callback` in the writer's thread after each transaction that committed outbox events (of
        `interest`, when given: a write whose events the consumer ignores does not wait for it).

        Consumers that must be current when the write returns (the search index: a write is searchable once
        it is acknowledged, as Elasticsearch's `refresh=wait_for`) catch up here instead of on every reader.
        """
        self._on_events.append((callback, interest))

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits together or not at all."""
        try:
            with self._sessions.begin() as session:
                yield session
        except DBAPIError as exc:
            if is_disconnect(exc):
                raise ServiceUnavailable(UNAVAILABLE) from exc
            raise
        kinds: set[EventKind] | None = session.info.get(WROTE_EVENTS)
        if kinds:
            self._events_committed(kinds)

    def _events_committed(self, kinds: set[EventKind]) -> None:
        for callback, interest in self._on_events:
            if interest is not None and not interest.matches(kinds):
                continue
            try:
                callback()
            except Exception:  # the write has committed; its consumers catch up on their next run
                log.exception("after-commit consumer %s failed", getattr(callback, "__qualname__", callback))

    @contextmanager
    def read(self) -> Iterator[Session]:
        try:
            with self._sessions() as session:
                yield session
        except DBAPIError as exc:
            if is_disconnect(exc):
                raise ServiceUnavailable(UNAVAILABLE) from exc
            raise

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A plain connection for hot read paths, where the ORM's per-query overhead shows; reads only (autocommit)."""
        try:
            with self._reader.connect() as connection:
                yield connection
        except DBAPIError as exc:
            if is_disconnect(exc):
                raise ServiceUnavailable(UNAVAILABLE) from exc
            raise

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
