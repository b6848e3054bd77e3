"""Cron schedules through the scheduler tick: one run per slot, none lost or run twice across a restart."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from lakemesh.catalog.tables.audit import OutboxRow
from lakemesh.catalog.tables.pipelines import PipelineRunRow
from lakemesh.core.clock import FrozenClock
from lakemesh.core.settings import Settings
from lakemesh.mesh import Mesh
from lakemesh.platform import Platform
from tests.unit.pipelines.conftest import ingest_and_transform

START = datetime(2025, 1, 1, 5, 30, tzinfo=UTC)


def scheduled(settings: Settings, clock: FrozenClock) -> tuple[Platform, Mesh]:
    platform = Platform(settings, clock=clock)
    platform.initialize()
    platform.pipelines.scheduling.sleep = lambda _: None
    return platform, Mesh(platform, platform.principals.bootstrap_admin())


def test_a_cron_slot_runs_once_and_missed_slots_are_not_replayed(settings: Settings) -> None:
    import io

    from tests.unit.pipelines.conftest import ORDERS_CSV

    clock = FrozenClock(START)
    platform, admin = scheduled(settings, clock)
    try:
        admin.create_domain_lakehouse("Sales", "sales-steward@company.com")
        admin.upload_file("Sales", "sales_lakehouse", "orders/a.csv", io.BytesIO(ORDERS_CSV))
        pipeline = admin.apply_pipeline("Sales", {**ingest_and_transform(), "schedule": "0 6 * * *"})
        assert pipeline.next_run_at == datetime(2025, 1, 1, 6, tzinfo=UTC)
        assert platform.pipelines.tick() == []  # not due yet
        clock.advance(timedelta(minutes=31))
        ran = platform.pipelines.tick()
        assert len(ran) == 1 and platform.pipelines.tick() == []  # the same slot never runs twice
        run = admin.get_run("Sales", "orders", ran[0])
        assert run.trigger == "schedule" and run.state == "succeeded"
        assert run.scheduled_for == datetime(2025, 1, 1, 6, tzinfo=UTC)
        clock.advance(timedelta(days=3))  # the server was down for three slots: one run, not three
        assert len(platform.pipelines.tick()) == 1
        assert admin.get_pipeline("Sales", "orders").next_run_at == datetime(2025, 1, 5, 6, tzinfo=UTC)
        assert len(admin.list_runs("Sales", "orders")) == 2
    finally:
        platform.close()


def test_a_run_left_running_by_a_dead_server_is_marked_failed_once_and_not_rerun(settings: Settings) -> None:
    clock = FrozenClock(START)
    first, admin = scheduled(settings, clock)
    admin.create_domain_lakehouse("Sales", "sales-steward@company.com")
    admin.apply_pipeline("Sales", {**ingest_and_transform(), "schedule": "0 6 * * *"})
    clock.advance(timedelta(minutes=31))
    assert first.pipelines.scheduling.queue_due() == 1
    run_id = admin.list_runs("Sales", "orders")[0].id
    assert first.pipelines.scheduling.claim(run_id)
    # The server dies mid-run: its process is gone (a real pid that has exited).
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    with first.catalog.transaction() as session:
        session.execute(
            update(PipelineRunRow)
            .where(PipelineRunRow.id == run_id)
            .values(worker=first.pipelines.scheduling.worker.replace(f":{os.getpid()}:", f":{dead.stdout.strip()}:"))
        )
    first.close()

    second, admin2 = scheduled(settings, clock)  # the restarted server
    try:
        assert second.pipelines.tick() == []  # recovered, not re-run
        run = admin2.get_run("Sales", "orders", run_id)
        assert run.state == "failed" and "stopped before it finished" in (run.error or "")
        assert second.pipelines.tick() == []
        with second.catalog.read() as session:
            alerts = session.scalars(select(OutboxRow).where(OutboxRow.type == "pipeline.run.failed")).all()
            runs = session.scalars(select(PipelineRunRow)).all()
        assert len(alerts) == 1 and len(runs) == 1
    finally:
        second.close()


def test_a_queued_run_survives_a_restart_and_runs_once(settings: Settings) -> None:
    import io

    from tests.unit.pipelines.conftest import ORDERS_CSV

    clock = FrozenClock(START)
    first, admin = scheduled(settings, clock)
    admin.create_domain_lakehouse("Sales", "sales-steward@company.com")
    admin.upload_file("Sales", "sales_lakehouse", "orders/a.csv", io.BytesIO(ORDERS_CSV))
    admin.apply_pipeline("Sales", ingest_and_transform())
    queued = admin.run_pipeline("Sales", "orders", wait=False)
    first.close()  # stopped before anything picked the run up

    second, admin2 = scheduled(settings, clock)
    try:
        assert second.pipelines.tick() == [queued.id]
        assert second.pipelines.tick() == []
        assert admin2.get_run("Sales", "orders", queued.id).state == "succeeded"
        assert second.pipelines.scheduling.execute(queued.id) is False  # a finished run cannot be claimed again
    finally:
        second.close()
