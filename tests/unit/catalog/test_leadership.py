"""Leadership among replicas: one PostgreSQL advisory lock, taken over when its holder's session ends."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from lakemesh.catalog import Catalog
from lakemesh.catalog.leadership import Leadership, default_replica_id, replica_alive
from lakemesh.scheduler import Scheduler

LOCAL_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def pg() -> Iterator[Catalog]:
    """The local PostgreSQL (leadership is a PostgreSQL feature whichever backend the suite runs on)."""
    catalog = Catalog(LOCAL_PG)
    try:
        with catalog.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError:
        catalog.dispose()
        pytest.skip(f"no PostgreSQL at {LOCAL_PG}: leadership needs it")
    yield catalog
    catalog.dispose()


def _backend_pid(leadership: Leadership) -> int:
    connection = leadership._connection  # the test ends this session the way a dead replica's would end
    assert connection is not None
    return int(connection.scalar(text("SELECT pg_backend_pid()")))


def _terminate(catalog: Catalog, pid: int) -> None:
    engine = create_engine(catalog.url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        # Termination is asynchronous: the session (and its locks) ends when the backend process exits.
        deadline = time.monotonic() + 10
        alive = text(
            "SELECT (SELECT count(*) FROM pg_stat_activity WHERE pid = :pid) + (SELECT count(*) FROM pg_locks WHERE pid = :pid)"
        )
        while connection.scalar(alive, {"pid": pid}):
            assert time.monotonic() < deadline, f"backend {pid} did not exit"
            time.sleep(0.05)
    engine.dispose()


def test_one_replica_leads_and_another_takes_over_when_its_session_ends(pg: Catalog) -> None:
    key = random.randrange(1, 2**62)  # a key of its own: other tests and servers share this database
    first = Leadership(pg, replica_id=f"a-{uuid.uuid4().hex}", key=key)
    second = Leadership(pg, replica_id=f"b-{uuid.uuid4().hex}", key=key)
    try:
        assert first.check() is True and first.since is not None
        assert second.check() is False and second.check() is False  # retried every tick, still not the leader
        assert replica_alive(pg, first.replica_id) and replica_alive(pg, second.replica_id)
        _terminate(pg, _backend_pid(first))  # what PostgreSQL sees when a leader is killed
        assert not replica_alive(pg, first.replica_id)
        assert second.check() is True  # the lock went with the session
        assert first.check() is False and first.is_leader is False  # the old leader notices and steps down
        assert first.check() is False  # reconnected, but the lock is taken
    finally:
        second.release()
    assert first.check() is True  # a released lock is taken at the next tick
    first.release()
    # The server ends a closed session asynchronously: its locks stay listed until the backend process exits.
    _wait(lambda: not replica_alive(pg, first.replica_id))


def test_a_scheduler_runs_its_jobs_only_while_leading(pg: Catalog) -> None:
    key = random.randrange(1, 2**62)
    holder = Leadership(pg, replica_id=f"h-{uuid.uuid4().hex}", key=key)
    assert holder.check()
    ran: list[str] = []
    follower = Scheduler(tick_seconds=0.05, leadership=Leadership(pg, replica_id=f"f-{uuid.uuid4().hex}", key=key))
    follower.every(0.01, "job", lambda: ran.append("job"))
    follower.start()
    try:
        assert follower.leadership is not None
        _wait(lambda: follower.leadership is not None and replica_alive(pg, follower.leadership.replica_id))
        assert ran == [] and follower.leadership.is_leader is False
        holder.release()
        _wait(lambda: bool(ran))
        assert follower.leadership.is_leader
    finally:
        follower.stop()
    assert follower.leadership is not None and not follower.leadership.is_leader  # stop() hands leadership back


def test_on_sqlite_the_single_process_is_the_leader(tmp_path: Path) -> None:
    catalog = Catalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    leadership = Leadership(catalog)
    assert leadership.check() is True and leadership.replica_id == default_replica_id()
    assert replica_alive(catalog, default_replica_id()) and not replica_alive(catalog, "other-host-1")
    catalog.dispose()


def _wait(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("the condition did not hold in time")
