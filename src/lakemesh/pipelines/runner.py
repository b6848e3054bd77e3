"""Executing one claimed run: steps in order, retries with exponential backoff and jitter, logs, lineage, alert.

Progress is written in short transactions, so `GET .../runs/{id}` and the log stream show it while it runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import update
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from lakemesh.auth.models import Principal
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.pipelines import PipelineRunLogRow, PipelineRunRow
from lakemesh.core.clock import Clock
from lakemesh.core.durations import parse_duration
from lakemesh.core.errors import LakemeshError
from lakemesh.lineage.events import DatasetRef, pipeline_key, run_event
from lakemesh.lineage.service import LineageService, StepIO
from lakemesh.pipelines.models import Behaviour, PipelineSpec, RunState, StepRun, StepSpec, StepState
from lakemesh.pipelines.plan import tables_of
from lakemesh.pipelines.steps import StepContext, StepExecutor, StepOutcome, StepRunner, StepServices

log = logging.getLogger(__name__)
MAX_LOG_MESSAGE = 4000


def level_of(message: str) -> tuple[str, str]:
    """A step's `warning: ...` line (a policy or contract warning) is logged as a warning, not as info."""
    if message.startswith("warning: "):
        return "warning", message.removeprefix("warning: ")
    return "info", message


class RunCancelled(Exception):
    """Raised between steps and attempts when someone cancelled the run."""


def retryable(exc: BaseException) -> bool:
    """Our own errors about the request (4xx: bad SQL, contract violations, refused URLs) never pass on retry."""
    if isinstance(exc, RunCancelled):
        return False
    if isinstance(exc, LakemeshError):
        return exc.status >= 500
    return isinstance(exc, Exception)


def describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if not isinstance(exc, LakemeshError) else text


class RunExecution:
    """One run in progress; the PipelineService builds it after claiming the run."""

    def __init__(
        self,
        *,
        catalog: Catalog,
        clock: Clock,
        services: StepServices,
        runner: StepRunner,
        executor: StepExecutor,
        lineage: LineageService,
        sleep: Callable[[float], None],
        run_id: str,
        actor: Principal,
        domain: tuple[str, str],  # id, slug
        spec: PipelineSpec,
        order: list[StepSpec],
        behaviour: Behaviour,
    ) -> None:
        self._catalog = catalog
        self._clock = clock
        self._services = services
        self._runner = runner
        self._executor = executor
        self._lineage = lineage
        self._sleep = sleep
        self.run_id = run_id
        self._actor = actor
        self._domain_id, self._domain = domain
        self._spec = spec
        self._order = order
        self._behaviour = behaviour
        self._steps = [StepRun(name=s.name, type=s.type) for s in order]
        self._inputs: list[DatasetRef] = []
        self._outputs: list[DatasetRef] = []
        self._steps_io: list[StepIO] = []  # per step: what it read and wrote, for step-level lineage
        self._totals = {"attempts": 0, "rows_read": 0, "rows_written": 0}
        self._produced: list[dict[str, Any]] = []

    # -- the run ---------------------------------------------------------------------------------
    def warn(self, message: str) -> None:
        """A warning in the run's log before its steps (e.g. a `warn` circuit breaker's upstream incident)."""
        self._log("warning", None, None, message)

    def run(self) -> str:
        """Run every step; returns the final state. Never raises for a step failure: the run records it."""
        self._log(
            "info", None, None, f"run started as {self._actor.name}; steps: {', '.join(s.name for s in self._order)}"
        )
        self._emit("START")
        failure: BaseException | None = None
        failed_step: str | None = None
        for index, step in enumerate(self._order):
            try:
                self._check_cancel()
                self._run_step(index, step)
            except BaseException as exc:
                failure, failed_step = exc, step.name
                self._steps[index].state = StepState.CANCELLED if isinstance(exc, RunCancelled) else StepState.FAILED
                self._steps[index].error = describe(exc) if not isinstance(exc, RunCancelled) else None
                self._steps[index].finished_at = self._clock.now()
                for later in self._steps[index + 1 :]:
                    later.state = StepState.SKIPPED
                if not isinstance(exc, Exception | RunCancelled):
                    self._finish(RunState.FAILED, describe(exc), failed_step)
                    raise
                break
        if failure is None:
            state, error = RunState.SUCCEEDED, None
        elif isinstance(failure, RunCancelled):
            state, error = RunState.CANCELLED, "cancelled on request"
        else:
            state, error = RunState.FAILED, describe(failure)
        self._finish(state, error, failed_step)
        return state

    def _run_step(self, index: int, step: StepSpec) -> None:
        status = self._steps[index]
        status.state, status.started_at = StepState.RUNNING, self._clock.now()
        self._save()
        policy = step.retry or self._behaviour.retry
        retrying = Retrying(
            stop=stop_after_attempt(policy.max_attempts),
            wait=wait_exponential_jitter(
                initial=parse_duration(policy.initial_delay, "retry.initial_delay").total_seconds(),
                max=parse_duration(policy.max_delay, "retry.max_delay").total_seconds(),
                jitter=parse_duration(policy.jitter, "retry.jitter").total_seconds(),
            ),
            retry=retry_if_exception(retryable),
            sleep=self._sleep,
            before_sleep=lambda state: self._before_retry(step, state),
            reraise=True,
        )
        outcome: StepOutcome | None = None
        for attempt in retrying:
            with attempt:
                number = attempt.retry_state.attempt_number
                self._check_cancel()
                status.attempts = number
                self._totals["attempts"] += 1
                self._log("info", step.name, number, f"attempt {number} of {policy.max_attempts}")
                context = StepContext(
                    actor=self._actor,
                    domain=self._domain,
                    lakehouse=self._spec.lakehouse,
                    step=step,
                    index=index,
                    attempt=number,
                    now=self._clock.now(),
                    services=self._services,
                    log=self._step_logger(step.name, number),
                )
                outcome = self._executor.execute(context, self._runner)
        assert outcome is not None
        status.state, status.finished_at = StepState.SUCCEEDED, self._clock.now()
        status.rows_read, status.rows_written = outcome.rows_read, outcome.rows_written
        status.table, status.version = outcome.table, outcome.version
        self._totals["rows_read"] += outcome.rows_read
        self._totals["rows_written"] += outcome.rows_written
        if outcome.table is not None:
            self._produced.append(
                {"step": step.name, "table": outcome.table, "version": outcome.version, "rows": outcome.rows_written}
            )
        self._inputs.extend(outcome.inputs)
        self._outputs.extend(outcome.outputs)
        self._steps_io.append(
            (
                step.name,
                [(d.namespace, d.name) for d in outcome.inputs],
                [(d.namespace, d.name) for d in outcome.outputs],
            )
        )
        self._save()

    def _step_logger(self, step: str, attempt: int) -> Callable[[str], None]:
        def write(message: str) -> None:
            level, text = level_of(message)
            self._log(level, step, attempt, text)

        return write

    def _before_retry(self, step: StepSpec, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        self._log(
            "warning",
            step.name,
            state.attempt_number,
            f"attempt {state.attempt_number} failed: {describe(error) if error else 'unknown error'}; "
            f"retrying in {wait:.1f}s",
        )

    def _check_cancel(self) -> None:
        with self._catalog.read() as session:
            row = session.get(PipelineRunRow, self.run_id)
            if row is None or row.cancel_requested:
                raise RunCancelled()

    # -- recording -------------------------------------------------------------------------------
    def _save(self) -> None:
        now = self._clock.now()
        with self._catalog.transaction() as session:
            session.execute(
                update(PipelineRunRow)
                .where(PipelineRunRow.id == self.run_id)
                .values(
                    steps=[s.model_dump(mode="json") for s in self._steps],
                    outputs=list(self._produced),
                    heartbeat_at=now,
                    **self._totals,
                )
            )

    def _log(self, level: str, step: str | None, attempt: int | None, message: str) -> None:
        if level == "info" and not self._behaviour.logging:
            return
        with self._catalog.transaction() as session:
            session.add(
                PipelineRunLogRow(
                    run_id=self.run_id,
                    at=self._clock.now(),
                    level=level,
                    step=step,
                    attempt=attempt,
                    message=message[:MAX_LOG_MESSAGE],
                )
            )
            session.execute(
                update(PipelineRunRow).where(PipelineRunRow.id == self.run_id).values(heartbeat_at=self._clock.now())
            )

    def _finish(self, state: RunState, error: str | None, failed_step: str | None) -> None:
        now = self._clock.now()
        self._log(
            "error" if state == RunState.FAILED else "info",
            failed_step,
            None,
            f"run {state}" + (f": {error}" if error else ""),
        )
        with self._catalog.transaction() as session:
            row = session.get(PipelineRunRow, self.run_id)
            if row is None:
                return
            row.state, row.error, row.finished_at = state, error, now
            row.steps = [s.model_dump(mode="json") for s in self._steps]
            row.outputs = list(self._produced)
            row.attempts, row.rows_read, row.rows_written = (
                self._totals["attempts"],
                self._totals["rows_read"],
                self._totals["rows_written"],
            )
            alerting = self._behaviour.alerting
            payload: dict[str, Any] = {
                "pipeline": f"{self._domain}/{self._spec.name}",
                "targets": tables_of(self._spec, self._domain)[1],
                "run": self.run_id,
                "state": state,
                "error": error,
                "step": failed_step,
                "outputs": list(self._produced),
            }
            if state == RunState.FAILED:
                payload["alert"] = bool(alerting and alerting.on_failure)
                if alerting is not None:
                    payload.update(webhook=alerting.webhook, notify=list(alerting.notify))
            record(
                session,
                at=now,
                actor=self._actor.name,
                action=f"pipeline.run.{state}",
                resource_type="pipeline_run",
                resource_id=self.run_id,
                resource_name=f"{self._domain}/{self._spec.name}",
                domain=self._domain,
                payload=payload,
            )
        self._emit(
            {RunState.SUCCEEDED: "COMPLETE", RunState.FAILED: "FAIL", RunState.CANCELLED: "ABORT"}[state], error=error
        )

    def _emit(self, event_type: str, *, error: str | None = None) -> None:
        lineage = self._behaviour.lineage
        if lineage is None or not lineage.enabled:
            return
        event = run_event(
            event_type,
            run_id=self.run_id,
            domain=self._domain,
            pipeline=self._spec.name,
            at=self._clock.now(),
            inputs=self._inputs if event_type != "START" else [],
            outputs=self._outputs if event_type != "START" else [],
            error=error,
        )
        try:
            steps = self._steps_io if event_type != "START" else None
            self._lineage.record_run_event(event, self._domain_id, pipeline_key(self._domain, self._spec.name), steps)
        except LakemeshError as exc:
            self._log("warning", None, None, f"lineage event not stored: {exc}")
        if lineage.endpoint:
            self._send(lineage.endpoint, event)

    def _send(self, endpoint: str, event: dict[str, Any]) -> None:
        """Best effort: an unreachable lineage endpoint is logged, never fails the run."""
        import httpx  # only pipelines that post lineage pay for it at run time

        try:
            self._services.allow_list.check_url(endpoint, ("lineage", "endpoint"))
            response = httpx.post(endpoint, json=event, timeout=10)
            response.raise_for_status()
        except (LakemeshError, httpx.HTTPError) as exc:
            self._log("warning", None, None, f"lineage endpoint {endpoint} did not take the event: {exc}")


def duration_ms(started: datetime | None, finished: datetime | None) -> int | None:
    if started is None or finished is None:
        return None
    return int((finished - started).total_seconds() * 1000)
