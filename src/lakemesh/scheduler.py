"""The in-process job scheduler: named jobs on fixed intervals, on one background thread, on the leader only.

One job failing is logged and retried at its next turn; it never stops the others or the server. With several
replicas on one PostgreSQL catalog, each tick first checks leadership (an advisory lock): only the leader runs
due jobs, and a replica that takes over runs the jobs that came due meanwhile at its first tick as leader.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass
class Job:
    name: str
    interval_seconds: float
    run: Callable[[], object]
    next_at: float = field(default=0.0)
    runs: int = 0
    failures: int = 0


class Leader(Protocol):
    """What the scheduler needs of leadership (lakemesh.catalog.leadership.Leadership)."""

    replica_id: str
    since: datetime | None

    @property
    def is_leader(self) -> bool: ...

    def check(self) -> bool: ...

    def release(self) -> None: ...


class Scheduler:
    def __init__(self, *, tick_seconds: float = 1.0, leadership: Leader | None = None) -> None:
        self._jobs: list[Job] = []
        self._tick = tick_seconds
        self.leadership = leadership
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def every(self, seconds: float, name: str, run: Callable[[], object]) -> Job:
        job = Job(name, seconds, run, next_at=time.monotonic() + seconds)
        self._jobs.append(job)
        return job

    @property
    def jobs(self) -> list[Job]:
        return list(self._jobs)

    def run_due(self, now: float | None = None) -> list[str]:
        """Run every job whose time has come; returns their names (tests call this directly)."""
        moment = time.monotonic() if now is None else now
        ran = []
        for job in self._jobs:
            if job.next_at > moment:
                continue
            job.next_at = moment + job.interval_seconds
            try:
                job.run()
                job.runs += 1
            except Exception:  # a failing job is logged and tried again next time
                job.failures += 1
                log.exception("scheduled job %s failed", job.name)
            ran.append(job.name)
        return ran

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="lakemesh-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self.leadership is not None:
            self.leadership.release()

    def _loop(self) -> None:
        while not self._stop.wait(self._tick):
            if self._leading():
                self.run_due()

    def _leading(self) -> bool:
        if self.leadership is None:
            return True
        try:
            return self.leadership.check()
        except Exception:  # never let a leadership hiccup kill the scheduler thread; try again next tick
            log.exception("leadership check failed")
            return False
