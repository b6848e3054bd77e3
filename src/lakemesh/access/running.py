"""Queries running now in this process, by the id their caller chose, so the caller can cancel one.

Cancelling interrupts the query's engine session (DuckDB stops its work; threads and memory are freed). DuckDB
forgets an interrupt that lands just before a query starts, so a cancel keeps interrupting until the query ends.
Ids are per principal: nobody can cancel, or even detect, another principal's query.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from lakemesh.core.errors import Conflict, NotFound
from lakemesh.engine.session import EngineSession

INTERRUPT_EVERY_SECONDS = 0.05


@dataclass
class RunningQuery:
    cancelled: bool = False
    finished: bool = False
    engine: EngineSession | None = None


class RunningQueries:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[tuple[str, str], RunningQuery] = {}

    @contextmanager
    def track(self, principal_id: str, query_id: str | None) -> Iterator[RunningQuery]:
        """Register the query while it runs (an untracked entry when the caller chose no id)."""
        entry = RunningQuery()
        if query_id is None:
            yield entry
            return
        key = (principal_id, query_id)
        with self._lock:
            if key in self._running:
                raise Conflict(f"Your query {query_id} is still running; cancel it or wait for it")
            self._running[key] = entry
        try:
            yield entry
        finally:
            with self._lock:
                entry.finished = True
                self._running.pop(key, None)

    def attach(self, entry: RunningQuery, engine: EngineSession) -> None:
        """The engine session now running the query (a query cancelled before it got one does not start)."""
        with self._lock:
            if entry.cancelled:
                raise Conflict("The query was cancelled")
            entry.engine = engine

    def detach(self, entry: RunningQuery) -> None:
        """The session is going back to the pool: a late cancel must never interrupt the next query on it."""
        with self._lock:
            entry.engine = None

    def cancel(self, principal_id: str, query_id: str) -> None:
        with self._lock:
            entry = self._running.get((principal_id, query_id))
            if entry is None:
                raise NotFound(f"No query {query_id} of yours is running (it may have finished)")
            entry.cancelled = True
        threading.Thread(target=self._interrupt_until_done, args=(entry,), daemon=True).start()

    def _interrupt_until_done(self, entry: RunningQuery) -> None:
        while True:
            with self._lock:
                engine, finished = entry.engine, entry.finished
            if finished:
                return
            if engine is not None:
                engine.interrupt()
            time.sleep(INTERRUPT_EVERY_SECONDS)
