"""Which replica runs the scheduled jobs: the one holding a PostgreSQL advisory lock on a dedicated connection.

PostgreSQL releases a session-level advisory lock when the session ends, so a replica that dies (kill -9,
lost host, lost network) hands leadership over by itself; the others try to take it every tick. Each replica
also holds a lock keyed on its own id, so any replica can tell whether another one is still alive
(`replica_alive`). SQLite allows a single replica: that process is always the leader.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import zlib
from datetime import datetime

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from lakemesh.catalog.db import Catalog
from lakemesh.core.clock import Clock, SystemClock

log = logging.getLogger(__name__)
LEADER_KEY = 0x4C414B454D455348 & 0x7FFFFFFFFFFFFFFF  # "LAKEMESH", one bigint key for the whole platform
LIVENESS_SPACE = 0x4C4D  # the two-int key space (never overlaps the bigint one): (LIVENESS_SPACE, hash of id)
# Keepalives both ways: the client notices a vanished server, and the server (session settings) notices a vanished
# leader host in about 25 s and ends its session, which frees the lock for another replica.
_CONNECT_ARGS = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "options": "-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3",
}


def default_replica_id() -> str:
    """This process's name among the replicas: hostname-pid (stable for the process, unique per host)."""
    return f"{socket.gethostname()}-{os.getpid()}"


def liveness_key(replica_id: str) -> int:
    return zlib.crc32(replica_id.encode()) & 0x7FFFFFFF


def replica_alive(catalog: Catalog, replica_id: str) -> bool:
    """Whether `replica_id` still holds its liveness lock (PostgreSQL), or is this process (SQLite: one replica)."""
    if catalog.is_sqlite:
        return replica_id == default_replica_id()
    query = text(
        "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = :space AND objid = :key "
        "AND objsubid = 2 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    with catalog.connect() as connection:
        return connection.scalar(query, {"space": LIVENESS_SPACE, "key": liveness_key(replica_id)}) is not None


class Leadership:
    """The leader lock of one replica; `check()` (called every scheduler tick) takes, keeps or gives it up."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        replica_id: str | None = None,
        key: int = LEADER_KEY,
        clock: Clock | None = None,
    ) -> None:
        self.replica_id = replica_id or default_replica_id()
        self.single_replica = catalog.is_sqlite
        self._catalog = catalog
        self._key = key
        self._clock: Clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._engine: Engine | None = None
        self._connection: Connection | None = None
        self._leader = False
        self.since: datetime | None = None

    @property
    def is_leader(self) -> bool:
        return self._leader

    def check(self) -> bool:
        """Verify the held lock (stepping down if its connection is gone) or try to take it; returns is_leader."""
        with self._lock:
            if self.single_replica:
                self._become(True)
                return True
            try:
                connection = self._connected()
                if self._leader:
                    connection.execute(text("SELECT 1"))  # the lock lives as long as this session does
                else:
                    won = connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key})
                    self._become(bool(won))
            except DBAPIError as exc:
                log.warning("replica %s lost its catalog connection: %s", self.replica_id, type(exc).__name__)
                self._drop()
            return self._leader

    def release(self) -> None:
        """Give leadership up now (on shutdown), so another replica takes over at its next tick."""
        with self._lock:
            if self._connection is not None and self._leader:
                with contextlib.suppress(DBAPIError):  # a lost connection took the lock with it
                    self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
            self._drop()
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None

    def _connected(self) -> Connection:
        if self._connection is None:
            if self._engine is None:
                # Its own unpooled engine: closing the connection really ends the session (and frees the locks).
                self._engine = create_engine(
                    self._catalog.url, poolclass=NullPool, isolation_level="AUTOCOMMIT", connect_args=_CONNECT_ARGS
                )
            connection = self._engine.connect()
            connection.execute(
                text("SELECT pg_try_advisory_lock(:space, :key)"),
                {"space": LIVENESS_SPACE, "key": liveness_key(self.replica_id)},
            )
            self._connection = connection
        return self._connection

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(DBAPIError):  # already broken; nothing left to close
                self._connection.invalidate()
                self._connection.close()
            self._connection = None
        self._become(False)

    def _become(self, leader: bool) -> None:
        if leader != self._leader:
            log.info("replica %s %s leader", self.replica_id, "is now" if leader else "is no longer")
            self.since = self._clock.now() if leader else None
        self._leader = leader
