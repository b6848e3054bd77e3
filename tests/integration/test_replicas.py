"""Two `lakemesh serve` replicas on one PostgreSQL catalog and one data root behave as one platform.

Always on the local PostgreSQL (replicas need it), whichever backend the rest of the suite runs on.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.engine import Engine, Row
from sqlalchemy.exc import OperationalError

from lakemesh.catalog.tables.pipelines import PipelineRow, PipelineRunRow
from tests.conftest import create_pg_database, drop_pg_database
from tests.integration.conftest import Server, free_port, start_server

LOCAL_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
ORDERS = b"order_id,customer_id,amount\n1,c1,10.5\n2,c2,20.0\n3,c1,7.25\n"
PIPELINES = "/api/v1/domains/fleet/pipelines"
FLEET = {"domain_name": "Fleet", "steward_email": "fleet-steward@company.com", "capacity_id": "cap-1"}
# A step whose source refuses connections: a transient failure, retried with backoff, so the scheduled run
# stays `running` for minutes (an error about the request itself would fail the run at once).
UNREACHABLE = f"http://127.0.0.1:{free_port()}/orders.csv"
SLOW_FAILING = {
    "name": "nightly",
    "lakehouse": "fleet_lakehouse",
    "schedule": "0 0 1 1 *",
    "steps": [
        {
            "name": "fetch",
            "type": "ingest",
            "source": {"url": UNREACHABLE},
            "target": {"table": "never"},
            "retry": {"max_attempts": 8, "initial_delay": "3s", "max_delay": "30s", "jitter": "0s"},
        }
    ],
}
WORKING = {
    "name": "nightly",
    "lakehouse": "fleet_lakehouse",
    "schedule": "0 0 1 1 *",
    "steps": [
        {"name": "ingest", "type": "ingest", "source": {"files": "in/*.csv"}, "target": {"table": "bronze_orders"}}
    ],
}
T = TypeVar("T")


@dataclass
class Replica:
    process: subprocess.Popen[bytes]
    server: Server

    def ready(self) -> dict[str, object]:
        """This replica's leadership, as an operator reads it."""
        with self.server.client() as http:
            body: dict[str, object] = http.get("/api/v1/replica").json()
        return body


@dataclass
class Cluster:
    replicas: list[Replica]
    catalog_url: str

    def leader(self) -> Replica:
        """The one live replica that says it leads (waiting for the first tick after a start or a failover)."""

        def single() -> Replica | None:
            alive = [r for r in self.replicas if r.process.poll() is None]
            leading = [r for r in alive if r.ready().get("leader") is True]
            return leading[0] if len(leading) == 1 else None

        return wait_for(single, "exactly one replica to lead")


def wait_for(probe: Callable[[], T | None], what: str, seconds: float = 90.0) -> T:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = probe()
        if found is not None and found is not False:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    try:
        create_engine(LOCAL_PG).connect().close()
    except OperationalError:
        pytest.skip(f"no PostgreSQL at {LOCAL_PG}: replicas need a PostgreSQL catalog")
    url = create_pg_database(LOCAL_PG, "lakemesh_replicas")
    home = tmp_path_factory.mktemp("replicas") / "home"  # one home, so one data root and one admin token
    started: list[Replica] = []
    try:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("LAKEMESH_PIPELINE_URL_ALLOWLIST", "127.0.0.1")
            for _ in range(2):
                process, server = start_server(home, url)
                started.append(Replica(process, server))
        yield Cluster(started, url)
    finally:
        for replica in started:
            if replica.process.poll() is None:
                replica.process.terminate()
                replica.process.wait(timeout=20)
        drop_pg_database(LOCAL_PG, url)
    for log in home.parent.glob("server-*.log"):
        text = log.read_text(errors="replace")
        assert "Traceback" not in text, f"a replica failed a request:\n{text[-4000:]}"


def test_one_replica_leads_and_a_write_on_one_is_read_on_the_other(cluster: Cluster) -> None:
    leader = cluster.leader()
    states = [r.ready() for r in cluster.replicas]
    assert [s["leader"] for s in states].count(True) == 1 and states[0]["replica"] != states[1]["replica"]
    metrics = httpx.get(f"{leader.server.url}/metrics", headers=_auth(leader.server)).text
    assert f'lakemesh_leader{{replica="{leader.ready()["replica"]}"}} 1.0' in metrics
    outsider = cluster.replicas[0].server.client(token="not-a-token")
    assert outsider.get("/api/v1/replica").status_code == 401  # replica ids name hosts: not for anyone
    first, second = (r.server.client() for r in cluster.replicas)
    with first, second:
        assert first.post("/api/v1/self-serve/domain-lakehouse", json=FLEET).status_code == 201
        assert second.get("/api/v1/domains/fleet").status_code == 200  # no stale cache on the other replica
        data = "/api/v1/domains/fleet/lakehouses/fleet_lakehouse/tables/truck_positions/data"
        written = first.post(data, content=b"truck,km\nt1,10\nt2,20\n", headers={"Content-Type": "text/csv"})
        assert written.status_code == 200, written.text
        info = second.get("/api/v1/domains/fleet/lakehouses/fleet_lakehouse/tables/truck_positions")
        assert info.status_code == 200 and info.json()["row_count"] == 2
        found = second.get("/api/v1/search", params={"q": "truck_positions"}).json()
        assert "truck_positions" in [hit["name"] for hit in found["items"]]
        renamed = {"description": "GPS pings of every truck"}
        assert first.patch("/api/v1/domains/fleet", json=renamed).status_code == 200
        assert second.get("/api/v1/domains/fleet").json()["description"] == "GPS pings of every truck"


def test_killing_the_leader_mid_run_hands_over_and_the_slot_is_recorded_once(cluster: Cluster) -> None:
    leader = cluster.leader()
    engine = create_engine(cluster.catalog_url)
    with leader.server.client() as http:
        # Its own Fleet domain when the first test ran on another xdist worker (another cluster) or not at all.
        if http.get("/api/v1/domains/fleet").status_code == 404:
            assert http.post("/api/v1/self-serve/domain-lakehouse", json=FLEET).status_code == 201
        upload = http.put("/api/v1/domains/fleet/lakehouses/fleet_lakehouse/files/in/orders.csv", content=ORDERS)
        assert upload.status_code in (200, 201), upload.text
        assert http.put(f"{PIPELINES}/nightly", json=SLOW_FAILING).status_code == 200
    slot = _make_due(engine, "nightly")
    running = wait_for(lambda: _run_of(engine, slot, "running"), "the leader to start the scheduled run")
    assert running.worker is not None and f":{leader.process.pid}:" in running.worker  # the leader runs it

    os.kill(leader.process.pid, signal.SIGKILL)  # mid-run: its step is between retries
    leader.process.wait(timeout=10)
    survivor = cluster.leader()
    assert survivor is not leader

    failed = wait_for(lambda: _run_of(engine, slot, "failed"), "the new leader to close the dead leader's run")
    assert failed.id == running.id and "stopped before it finished" in (failed.error or "")
    with survivor.server.client() as http:
        assert http.put(f"{PIPELINES}/nightly", json=WORKING).status_code == 200
        next_slot = _make_due(engine, "nightly")
        done = wait_for(lambda: _run_of(engine, next_slot, "succeeded"), "the new leader to run the next slot")
        runs = http.get(f"{PIPELINES}/nightly/runs").json()["items"]
    assert done.worker is not None and f":{survivor.process.pid}:" in done.worker
    scheduled = [r for r in runs if r["trigger"] == "schedule"]
    # Each slot is recorded exactly once, and the interrupted slot was not run again.
    assert sorted(r["scheduled_for"] for r in scheduled) == sorted(_iso(s) for s in (slot, next_slot))
    assert {r["state"] for r in scheduled} == {"failed", "succeeded"}
    with engine.connect() as connection:
        count = connection.scalar(text("SELECT count(*) FROM pipeline_runs WHERE scheduled_for IS NOT NULL"))
    assert count == 2
    engine.dispose()


def _auth(server: Server) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.token}"}


def _make_due(engine: Engine, slug: str) -> datetime:
    """Bring the pipeline's next cron slot to now, as if the clock had reached it."""
    slot = (datetime.now(UTC) - timedelta(seconds=1)).replace(microsecond=0)
    with engine.begin() as connection:
        connection.execute(update(PipelineRow).where(PipelineRow.slug == slug).values(next_run_at=slot))
    return slot


def _run_of(engine: Engine, slot: datetime, state: str) -> Row[Any] | None:
    """The run of this cron slot if it is in `state` (there is at most one: the catalog enforces it)."""
    runs = PipelineRunRow.__table__
    with engine.connect() as connection:
        row = connection.execute(select(runs).where(runs.c.scheduled_for == slot)).first()
    return row if row is not None and row.state == state else None


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
