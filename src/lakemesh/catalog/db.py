"""One Catalog per process: the engine, a session factory and the transaction every mutation runs in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from lakemesh.core.errors import ServiceUnavailable


class Catalog:
    """Wraps the SQLAlchemy engine; SQLite runs in WAL mode with foreign keys on."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs.update(pool_size=10, max_overflow=20, pool_recycle=1800)
        self.engine: Engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits together or not at all."""
        try:
            with self._sessions.begin() as session:
                yield session
        except OperationalError as exc:
            raise ServiceUnavailable("The catalog database is unavailable; try again shortly") from exc

    @contextmanager
    def read(self) -> Iterator[Session]:
        try:
            with self._sessions() as session:
                yield session
        except OperationalError as exc:
            raise ServiceUnavailable("The catalog database is unavailable; try again shortly") from exc

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A plain connection for hot read paths, where the ORM's per-query overhead shows."""
        try:
            with self.engine.connect() as connection:
                yield connection
        except OperationalError as exc:
            raise ServiceUnavailable("The catalog database is unavailable; try again shortly") from exc

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
