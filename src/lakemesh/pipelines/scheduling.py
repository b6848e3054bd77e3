"""Runs on cron schedules and their execution, safe across restarts and replicas.

- A cron slot becomes a run in the same transaction that moves the pipeline's `next_run_at`, and
  (pipeline, scheduled_for) is unique: a slot can never produce two runs.
- A queued run is claimed by one atomic UPDATE (queued -> running): two workers never both run it.
- A run left `running` by a worker that died (same host: its process is gone; other hosts: no heartbeat for
  `lease`) is marked failed and alerts; it is not run again, so it is never run twice.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lakemesh.auth.service import principals_by_id
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.pipelines import PipelineRow, PipelineRunLogRow, PipelineRunRow, PipelineVersionRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import LakemeshError
from lakemesh.core.ids import new_id
from lakemesh.domains.service import domain_by_id
from lakemesh.lineage.service import LineageService
from lakemesh.pipelines.behaviour import behaviour_of
from lakemesh.pipelines.models import PipelineSpec, RunState
from lakemesh.pipelines.plan import build_plan, next_fire, tables_of
from lakemesh.pipelines.runner import RunExecution
from lakemesh.pipelines.steps import StepExecutor

if TYPE_CHECKING:
    from lakemesh.pipelines.service import PipelineService

log = logging.getLogger(__name__)
DEFAULT_LEASE = timedelta(hours=1)
MAX_RUNS_PER_TICK = 5
UpstreamCheck = Callable[[list[str]], list[str]]  # tables read (`domain.lakehouse.table`) -> reasons to hold
WAITING = "waiting for upstream: "


def worker_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Scheduling:
    def __init__(
        self,
        catalog: Catalog,
        clock: Clock,
        service: PipelineService,
        executor: StepExecutor,
        lineage: LineageService,
        sleep: Callable[[float], None],
        *,
        lease: timedelta = DEFAULT_LEASE,
    ) -> None:
        self._catalog = catalog
        self._clock = clock
        self._service = service
        self.executor = executor
        self._lineage = lineage
        self.sleep = sleep
        self.lease = lease
        self.worker = worker_identity()
        self.upstream_checks: list[UpstreamCheck] = []

    # -- the scheduler job -----------------------------------------------------------------------
    def tick(self) -> list[str]:
        """Returns the ids of the runs this tick executed."""
        self.recover()
        self.queue_due()
        executed = []
        for _ in range(MAX_RUNS_PER_TICK):
            run_id = self._next_queued()
            if run_id is None:
                break
            if self.execute(run_id):
                executed.append(run_id)
        return executed

    def queue_due(self) -> int:
        now = self._clock.now()
        query = (
            select(PipelineRow)
            .where(PipelineRow.schedule.is_not(None), PipelineRow.paused.is_(False), PipelineRow.next_run_at <= now)
            .order_by(PipelineRow.next_run_at)
            .limit(50)
        )
        if not self._catalog.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        try:
            with self._catalog.transaction() as session:
                queued = 0
                for row in session.scalars(query):
                    slot = row.next_run_at
                    assert slot is not None and row.schedule is not None
                    exists = session.scalar(
                        select(PipelineRunRow.id).where(
                            PipelineRunRow.pipeline_id == row.id, PipelineRunRow.scheduled_for == slot
                        )
                    )
                    if exists is None:
                        self.new_run(session, row, "schedule", slot, "scheduler", now)
                        queued += 1
                    row.next_run_at = next_fire(row.schedule, max(now, slot))  # missed slots are not replayed
                return queued
        except IntegrityError:  # another worker queued the same slot first
            return 0

    def new_run(
        self, session: Session, row: PipelineRow, trigger: str, slot: datetime | None, by: str, now: datetime
    ) -> PipelineRunRow:
        run = PipelineRunRow(
            id=new_id("run"),
            pipeline_id=row.id,
            domain_id=row.domain_id,
            pipeline_version=row.version,
            state=RunState.QUEUED,
            trigger=trigger,
            scheduled_for=slot,
            triggered_by=by,
            attempts=0,
            rows_read=0,
            rows_written=0,
            steps=[],
            outputs=[],
            cancel_requested=False,
            created_at=now,
        )
        session.add(run)
        return run

    def _next_queued(self) -> str | None:
        """The oldest queued run that its circuit breaker does not hold (held runs wait for the next tick)."""
        with self._catalog.read() as session:
            queued = list(
                session.scalars(
                    select(PipelineRunRow.id)
                    .where(PipelineRunRow.state == RunState.QUEUED)
                    .order_by(PipelineRunRow.id)
                    .limit(50)
                )
            )
        return next((run_id for run_id in queued if not self.held(run_id)), None)

    # -- the circuit breaker ---------------------------------------------------------------------
    def upstream(self, run_id: str) -> tuple[str | None, list[str]]:
        """The run's `on_upstream_incident` setting and the reasons the registered checks give for its reads."""
        with self._catalog.read() as session:
            run = session.get(PipelineRunRow, run_id)
            pipeline = session.get(PipelineRow, run.pipeline_id) if run else None
            domain = domain_by_id(session, run.domain_id) if run else None
            version = (
                session.scalar(
                    select(PipelineVersionRow.spec).where(
                        PipelineVersionRow.pipeline_id == run.pipeline_id,
                        PipelineVersionRow.version == run.pipeline_version,
                    )
                )
                if run
                else None
            )
        spec = PipelineSpec.model_validate(
            version or (pipeline.spec if pipeline else None) or {"name": "-", "steps": []}
        )
        if run is None or domain is None or spec.on_upstream_incident is None or not self.upstream_checks:
            return None, []
        reads, _ = tables_of(spec, domain.slug)
        reasons = [reason for check in self.upstream_checks for reason in check(reads)] if reads else []
        return spec.on_upstream_incident, reasons

    def held(self, run_id: str) -> bool:
        """A run set to `pause` whose upstream has an open incident stays queued, its reason in `error`."""
        mode, reasons = self.upstream(run_id)
        waiting = WAITING + "; ".join(reasons) if mode == "pause" and reasons else None
        with self._catalog.read() as session:
            current = session.scalar(select(PipelineRunRow.error).where(PipelineRunRow.id == run_id))
        if current == waiting or (waiting is None and not (current or "").startswith(WAITING)):
            return waiting is not None  # nothing to write: no write lock taken on every tick
        with self._catalog.transaction() as session:
            run = session.get(PipelineRunRow, run_id)
            if run is not None and run.state == RunState.QUEUED and run.error != waiting:
                run.error = waiting
        return waiting is not None

    # -- execution -------------------------------------------------------------------------------
    def claim(self, run_id: str) -> bool:
        now = self._clock.now()
        with self._catalog.transaction() as session:
            result = session.execute(
                update(PipelineRunRow)
                .where(PipelineRunRow.id == run_id, PipelineRunRow.state == RunState.QUEUED)
                .values(state=RunState.RUNNING, worker=self.worker, started_at=now, heartbeat_at=now, error=None)
            )
            return bool(getattr(result, "rowcount", 0))

    def execute(self, run_id: str) -> bool:
        """Claim and run a queued run in this thread; False when someone else has it (or it is not queued)."""
        if self.held(run_id) or not self.claim(run_id):
            return False
        try:
            execution = self._prepare(run_id)
        except LakemeshError as exc:
            self._fail(run_id, f"the run could not start: {exc}")
            return True
        mode, reasons = self.upstream(run_id)
        for reason in reasons if mode == "warn" else []:
            execution.warn(f"upstream incident: {reason}")
        execution.run()
        return True

    def _prepare(self, run_id: str) -> RunExecution:
        with self._catalog.read() as session:
            run = session.get(PipelineRunRow, run_id)
            assert run is not None
            pipeline = session.get(PipelineRow, run.pipeline_id)
            domain = domain_by_id(session, run.domain_id)
            version = session.scalar(
                select(PipelineVersionRow).where(
                    PipelineVersionRow.pipeline_id == run.pipeline_id,
                    PipelineVersionRow.version == run.pipeline_version,
                )
            )
            if pipeline is None or domain is None or version is None:
                raise LakemeshError("the pipeline was deleted")
            actor = principals_by_id(session, [pipeline.run_as_id]).get(pipeline.run_as_id)
            if actor is None or actor.disabled:
                raise LakemeshError("the principal the pipeline runs as is disabled or gone; apply it again")
            spec = PipelineSpec.model_validate(version.spec)
        plan = build_plan(
            spec, domain.slug, table_exists=lambda _: True, function_known=lambda _: True, product_known=lambda _: True
        )
        behaviour = behaviour_of(spec, self._service.template_for(actor, spec))
        return RunExecution(
            catalog=self._catalog,
            clock=self._clock,
            services=self._service.services,
            runner=self._service.runner,
            executor=self.executor,
            lineage=self._lineage,
            sleep=self.sleep,
            run_id=run_id,
            actor=actor,
            domain=(domain.id, domain.slug),
            spec=spec,
            order=plan.order,
            behaviour=behaviour,
        )

    # -- recovery --------------------------------------------------------------------------------
    def recover(self) -> list[str]:
        """Mark runs whose worker died as failed (with one alert each); returns their ids."""
        now = self._clock.now()
        with self._catalog.read() as session:
            running = list(session.scalars(select(PipelineRunRow).where(PipelineRunRow.state == RunState.RUNNING)))
        dead = [r.id for r in running if r.worker != self.worker and self._is_dead(r.worker, r.heartbeat_at, now)]
        for run_id in dead:
            self._fail(
                run_id, "the server running it stopped before it finished; start a new run", expect=RunState.RUNNING
            )
        return dead

    def _is_dead(self, worker: str | None, heartbeat: datetime | None, now: datetime) -> bool:
        host, _, rest = (worker or "").partition(":")
        pid_text = rest.partition(":")[0]
        if host == socket.gethostname() and pid_text.isdigit():
            pid = int(pid_text)
            return pid == os.getpid() or not _alive(pid)  # our pid with another token: an earlier incarnation
        return heartbeat is None or now - heartbeat > self.lease

    def _fail(self, run_id: str, error: str, *, expect: RunState | None = None) -> None:
        now = self._clock.now()
        with self._catalog.transaction() as session:
            run = session.get(PipelineRunRow, run_id)
            if run is None or (expect is not None and run.state != expect):
                return
            pipeline = session.get(PipelineRow, run.pipeline_id)
            domain = domain_by_id(session, run.domain_id)
            run.state, run.error, run.finished_at = RunState.FAILED, error, now
            session.add(PipelineRunLogRow(run_id=run.id, at=now, level="error", step=None, attempt=None, message=error))
            name = f"{domain.slug}/{pipeline.slug}" if domain and pipeline else run.pipeline_id
            spec = PipelineSpec.model_validate(pipeline.spec) if pipeline else None
            alerting = spec.alerting if spec else None
            record(
                session,
                at=now,
                actor=None,
                action="pipeline.run.failed",
                resource_type="pipeline_run",
                resource_id=run.id,
                resource_name=name,
                domain=domain.slug if domain else None,
                payload={
                    "pipeline": name,
                    "run": run.id,
                    "state": RunState.FAILED,
                    "error": error,
                    "alert": True,
                    "webhook": alerting.webhook if alerting else None,
                    "notify": list(alerting.notify) if alerting else [],
                },
            )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
