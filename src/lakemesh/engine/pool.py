"""Engine sessions opened ahead of time, so a query does not wait for DuckDB to start or to shut down.

Starting an in-memory DuckDB database costs a few milliseconds (more on a busy machine), as much as a point
lookup itself. A background thread keeps a few connections opened (nothing registered, nothing run on them)
and closes finished ones; a query takes a spare, locks it down with the files it may read, and uses it once.
A spare is never shared and never reused: every query still gets a fresh, locked database.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence

import duckdb

from lakemesh.engine.session import EngineSession, open_connection

log = logging.getLogger(__name__)
_STOP = object()


class SessionPool:
    """Hands out fresh locked-down EngineSessions from connections a background thread opened ahead."""

    def __init__(
        self, *, memory_limit: str = "1GB", threads: int = 2, spares: int = 2, spill_directory: str | None = None
    ) -> None:
        self.memory_limit = memory_limit
        self.threads = threads
        self.spill_directory = spill_directory
        self._spares: queue.SimpleQueue[duckdb.DuckDBPyConnection] = queue.SimpleQueue()
        self._work: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._wanted = spares
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None

    def checkout(self) -> tuple[duckdb.DuckDBPyConnection | None, Callable[[duckdb.DuckDBPyConnection], None]]:
        """A spare connection (None when none is ready) and how to dispose of it: for EngineSession's arguments."""
        self._start()
        try:
            connection: duckdb.DuckDBPyConnection | None = self._spares.get_nowait()
            self._work.put(None)  # open a replacement
        except queue.Empty:
            connection = None
        return connection, self._work.put

    def session(self, *, readable_files: Sequence[str] = ()) -> EngineSession:
        """A fresh session that may read exactly `readable_files`; closing it hands the database back for disposal."""
        connection, _ = self.checkout()
        return EngineSession(
            memory_limit=self.memory_limit,
            threads=self.threads,
            readable_files=readable_files,
            spill_directory=self.spill_directory,
            connection=connection,
            on_close=self._work.put,
        )

    def close(self) -> None:
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            self._work.put(_STOP)
            worker.join(timeout=10)
        while not self._spares.empty():
            self._spares.get_nowait().close()

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
