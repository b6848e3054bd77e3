"""Engine sessions without DuckDB's start-up on the query path.

Starting an in-memory DuckDB database costs ~17 ms of CPU (45-140 ms wall on a busy 2-core machine), far more
than a point lookup. So a database, once locked down to the files of a set of snapshots (`allowed_paths`, external
access off, configuration locked), is kept and each query gets its own connection to it (`cursor()`, ~0.01 ms):
its views are TEMP and its registered Arrow sources connection-local, so no query sees another's relations, and
the lockdown is the database's, so no query can lift it. Databases are keyed by exactly the files they may read:
a query only ever reaches the files its own tables' snapshots name, as with a fresh database per query. The few
most recently used are kept (`shared`); an idle one beyond that is closed by a background thread, which also
opens spare databases ahead for new snapshots.

A connection whose session ran cleanly goes back to its database with its Parquet views (`reusable_views`), and
the next session on that database takes it: a view asked for again with the same statement (the same files,
columns and masks, under the same relation name) is not made again (binding one costs 0.5-3 ms). A view holds no
data and no identity: one with the same statement reads exactly the same, whoever asks; views the next session
does not register again are dropped before it runs anything, so a query sees only the relations of its own session.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb

from lakemesh.engine.session import EngineSession, lock_down, open_connection

log = logging.getLogger(__name__)
_STOP = object()
IDLE_CONNECTIONS = 4  # connections with their views kept per database, for the next queries on it


@dataclass
class _Shared:
    """A locked database and how many sessions use it now (it is closed only when none does)."""

    key: tuple[str, ...]
    root: duckdb.DuckDBPyConnection
    users: int = 0
    idle: list[tuple[duckdb.DuckDBPyConnection, dict[str, str]]] = field(default_factory=list)


class SessionPool:
    """Hands out locked-down EngineSessions: connections to databases kept per set of readable files."""

    def __init__(
        self,
        *,
        memory_limit: str = "1GB",
        threads: int = 2,
        spares: int = 2,
        spill_directory: str | None = None,
        shared: int = 4,
    ) -> None:
        self.memory_limit = memory_limit
        self.threads = threads
        self.spill_directory = spill_directory
        self._spares: queue.SimpleQueue[duckdb.DuckDBPyConnection] = queue.SimpleQueue()
        self._work: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._wanted = spares
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._shared: OrderedDict[tuple[str, ...], _Shared] = OrderedDict()
        self._keep = shared

    def _spare(self) -> duckdb.DuckDBPyConnection | None:
        """A database opened ahead (None when none is ready); a replacement is opened behind it."""
        self._start()
        try:
            connection = self._spares.get_nowait()
        except queue.Empty:
            return None
        self._work.put(None)
        return connection

    def session(self, *, readable_files: Sequence[str] = ()) -> EngineSession:
        """A session of its own that may read exactly `readable_files`, on the database kept for those files."""
        key = tuple(sorted(set(readable_files)))
        shared = self._database(key)
        with self._lock:
            cursor, views = shared.idle.pop() if shared.idle else (None, {})
        try:
            cursor = cursor or shared.root.cursor()
        except duckdb.Error:
            self._release(shared)
            raise

        def finish(connection: duckdb.DuckDBPyConnection) -> None:
            self._finish(shared, connection, session.reusable_views())

        session = EngineSession(
            memory_limit=self.memory_limit,
            threads=self.threads,
            readable_files=key,
            connection=cursor,
            on_close=finish,
            locked=True,
            views=views,
        )
        return session

    def _database(self, key: tuple[str, ...]) -> _Shared:
        with self._lock:
            shared = self._shared.get(key)
            if shared is not None:
                self._shared.move_to_end(key)
                shared.users += 1
                return shared
        connection = self._spare()
        if connection is None:
            connection = open_connection(
                memory_limit=self.memory_limit, threads=self.threads, spill_directory=self.spill_directory
            )
        lock_down(connection, key)
        with self._lock:
            found = self._shared.get(key)
            if found is not None:  # another query opened it meanwhile: use theirs
                self._work.put(connection)
                shared = found
            else:
                shared = self._shared[key] = _Shared(key, connection)
            self._shared.move_to_end(key)
            shared.users += 1
            self._evict()
        return shared

    def _finish(
        self, shared: _Shared, connection: duckdb.DuckDBPyConnection, views: dict[str, str] | None = None
    ) -> None:
        with self._lock:
            keep = views is not None and len(shared.idle) < IDLE_CONNECTIONS and self._shared.get(shared.key) is shared
            if keep and views is not None:
                shared.idle.append((connection, views))
        if not keep:
            connection.close()
        self._release(shared)

    def _release(self, shared: _Shared) -> None:
        with self._lock:
            shared.users -= 1
            self._evict()

    def _evict(self) -> None:
        """Close the least recently used idle databases beyond `shared` (called with the lock held)."""
        idle = [key for key, shared in self._shared.items() if shared.users == 0]
        for key in idle[: max(0, len(self._shared) - self._keep)]:
            shared = self._shared.pop(key)
            for connection, _ in shared.idle:
                self._work.put(connection)
            shared.idle.clear()
            self._work.put(shared.root)

    def close(self) -> None:
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            self._work.put(_STOP)
            worker.join(timeout=10)
        while not self._spares.empty():
            self._spares.get_nowait().close()
        with self._lock:
            shared, self._shared = list(self._shared.values()), OrderedDict()
        for database in shared:
            for connection, _ in database.idle:
                connection.close()
            database.root.close()

    def _start(self) -> None:
        if self._worker is not None:
            return
        with self._lock:
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="lakemesh-engine-pool", daemon=True)
                self._worker.start()
                for _ in range(self._wanted):
                    self._work.put(None)

    def _run(self) -> None:
        while True:
            item = self._work.get()
            if item is _STOP:
                return
            try:
                if isinstance(item, duckdb.DuckDBPyConnection):
                    item.close()
                elif self._spares.qsize() < self._wanted:
                    self._spares.put(
                        open_connection(
                            memory_limit=self.memory_limit, threads=self.threads, spill_directory=self.spill_directory
                        )
                    )
            except Exception:  # a spare that failed to open or close: the next query opens its own, and fails loudly
                log.exception("the engine pool could not prepare or close a connection")
