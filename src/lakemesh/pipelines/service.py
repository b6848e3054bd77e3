"""Pipeline use cases: apply a versioned spec, read it, run it now, follow its runs and logs, cancel them."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lakemesh.auth.authorize import Authorizer, Resource
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.pipelines import PipelineRow, PipelineRunLogRow, PipelineRunRow, PipelineVersionRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Conflict, ErrorItem, InvalidInput, LakemeshError, NotFound, invalid, not_found
from lakemesh.core.ids import new_id
from lakemesh.core.names import slugify, validate_name
from lakemesh.core.pages import Page, check_limit, decode_cursor, encode_cursor
from lakemesh.domains.service import DomainService, find_domain_row
from lakemesh.executors import Executor
from lakemesh.executors.steps import ComputedQuery, DistributedSteps
from lakemesh.lakehouses.store import find_lakehouse, find_table
from lakemesh.lineage.events import DatasetRef, column_lineage
from lakemesh.lineage.service import LineageService
from lakemesh.pipelines.behaviour import behaviour_of
from lakemesh.pipelines.models import (
    FINISHED,
    RERUNNABLE,
    UNFINISHED,
    Pipeline,
    PipelineRun,
    PipelineSpec,
    PipelineVersion,
    RunLogLine,
    RunState,
)
from lakemesh.pipelines.plan import TableRef, build_plan, next_fire
from lakemesh.pipelines.scheduling import Scheduling, UpstreamCheck
from lakemesh.pipelines.steps import (
    InProcessExecutor,
    PythonStep,
    StepContext,
    StepExecutor,
    StepOutcome,
    StepRunner,
    StepServices,
)
from lakemesh.pipelines.views import reruns_of, to_pipeline, to_run
from lakemesh.templates.models import Template
from lakemesh.templates.service import TemplateService

if TYPE_CHECKING:
    from lakemesh.catalog.tables.domains import DomainRow

MAX_LOG_LINES = 5000


def pipeline_resource(row: PipelineRow, domain: DomainRow) -> Resource:
    return Resource("pipeline", f"{domain.slug}/{row.slug}", domain.id)


class PipelineService:
    def __init__(
        self,
        catalog: Catalog,
        authorizer: Authorizer,
        clock: Clock,
        domains: DomainService,
        templates: TemplateService,
        services: StepServices,
        lineage: LineageService,
        *,
        executor: Executor | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._catalog = catalog
        self._authz = authorizer
        self._clock = clock
        self._domains = domains
        self._templates = templates
        self._services = services
        self._functions: dict[str, PythonStep] = {}
        self.runner = StepRunner(self._functions)
        steps: StepExecutor = InProcessExecutor()
        if executor is not None and executor.remote:  # scale-out: `sql` steps run on the executor (e.g. Ray)
            steps = DistributedSteps(executor, self.commit_query)
        self.scheduling = Scheduling(catalog, clock, self, steps, lineage, sleep)

    @property
    def services(self) -> StepServices:
        return self._services

    def register_step(self, name: str, function: PythonStep) -> None:
        """Python steps are registered in code (never named by import path in a spec), so specs cannot run
        arbitrary functions."""
        self._functions[name] = function

    def register_upstream_check(self, check: UpstreamCheck) -> None:
        """A capability above (incidents) says why the tables a run reads should hold it: the circuit breaker."""
        self.scheduling.upstream_checks.append(check)

    def set_executor(self, executor: StepExecutor) -> None:
        """Scale-out: run steps elsewhere (e.g. Ray) without touching pipeline code."""
        self.scheduling.executor = executor

    def commit_query(self, context: StepContext, computed: ComputedQuery) -> StepOutcome:
        """For a distributed executor: write a `sql` step's result computed elsewhere exactly as the step would."""
        outcome = self.runner._write(context, self.runner._target(context), computed.result)
        outcome.rows_read = computed.rows_read
        outcome.inputs = [DatasetRef(name=name, schema=schema) for name, schema in computed.inputs]
        if outcome.outputs and context.step.sql:
            outcome.outputs[0].columns = column_lineage(context.step.sql, computed.result.schema, computed.names)
        return outcome

    # -- specs -----------------------------------------------------------------------------------
    def apply(self, actor: Principal, domain_ref: str, spec: PipelineSpec) -> Pipeline:
        """Create the pipeline or, when the spec changed, store it as a new version; unchanged specs are a no-op."""
        validate_name(spec.name)
        template = self._template(actor, spec)
        document = spec.model_dump(mode="json", exclude_none=True)
        now = self._clock.now()
        with self._catalog.transaction() as session:
            domain = self._domains.resolve(session, actor, domain_ref, Action.ITEM_WRITE)
            self.check(session, actor, domain, spec)
            row = _find(session, domain.id, spec.name)
            if row is not None and row.spec == document:
                return to_pipeline(row, domain, behaviour_of(spec, template))
            action = "pipeline.created" if row is None else "pipeline.updated"
            if row is None:
                row = PipelineRow(
                    id=new_id("pl"),
                    domain_id=domain.id,
                    name=spec.name,
                    slug=slugify(spec.name),
                    version=0,
                    created_by=actor.name,
                    created_at=now,
                )
                session.add(row)
            row.version += 1
            row.spec, row.template, row.paused = document, spec.template, spec.paused
            if row.schedule != spec.schedule or row.next_run_at is None:
                row.next_run_at = next_fire(spec.schedule, now) if spec.schedule else None
            row.schedule = spec.schedule
            row.run_as_id, row.updated_by, row.updated_at = actor.id, actor.name, now
            session.add(
                PipelineVersionRow(
                    id=new_id("plv"),
                    pipeline_id=row.id,
                    version=row.version,
                    spec=document,
                    created_by=actor.name,
                    created_at=now,
                )
            )
            session.flush()
            pipeline = to_pipeline(row, domain, behaviour_of(spec, template))
            self._journal(session, actor, row, domain, action, {"version": row.version, "schedule": row.schedule})
            return pipeline

    def check(self, session: Session, actor: Principal, domain: DomainRow, spec: PipelineSpec) -> None:
        """422 for cycles, unknown steps, tables, functions and products, or sources that are not allowed."""

        def table_exists(ref: TableRef) -> bool:
            owner = find_domain_row(session, ref[0])
            lakehouse = find_lakehouse(session, owner.id, ref[1]) if owner else None
            table = find_table(session, lakehouse.id, ref[2]) if lakehouse else None
            if owner is None or lakehouse is None or table is None:
                return False
            resource = Resource("table", ".".join(ref), owner.id)
            return self._authz.can(actor, Action.DATA_READ, resource, session)

        def product_known(ref: str) -> bool:
            owner, _, name = ref.rpartition("/")
            try:
                self._services.products.get(actor, owner or domain.slug, name)
            except LakemeshError:
                return False
            return True

        build_plan(
            spec,
            domain.slug,
            table_exists=table_exists,
            function_known=lambda name: name in self._functions,
            product_known=product_known,
        )
        errors: list[ErrorItem] = []
        for index, step in enumerate(spec.steps):
            if step.target is not None:
                lakehouse = step.target.table.split(".")[0] if "." in step.target.table else spec.lakehouse
                if lakehouse and find_lakehouse(session, domain.id, lakehouse) is None:
                    errors.append(ErrorItem(("steps", index, "target"), f"no lakehouse {lakehouse!r} in {domain.name}"))
            source = step.source
            try:
                if source is not None and source.url:
                    self._services.allow_list.check_url(source.url, ("steps", index, "source", "url"))
                if source is not None and source.database:
                    self._services.allow_list.check_database(source.database, ("steps", index, "source", "database"))
            except LakemeshError as exc:
                errors.append(ErrorItem(("steps", index, "source"), exc.detail))
        if spec.lineage is not None and spec.lineage.endpoint:
            try:
                self._services.allow_list.check_url(spec.lineage.endpoint, ("lineage", "endpoint"))
            except LakemeshError as exc:
                errors.append(ErrorItem(("lineage", "endpoint"), exc.detail))
        if errors:
            raise InvalidInput(f"The pipeline {spec.name!r} is not valid", errors=errors)

    def _template(self, actor: Principal, spec: PipelineSpec) -> Template | None:
        if spec.template is None:
            return None
        try:
            template = self._templates.get(actor, spec.template)
        except NotFound:
            raise invalid("template", f"no template named {spec.template!r}") from None
        if template.type != "DataPipeline":
            raise invalid("template", f"{template.name!r} is a {template.type} template, not a DataPipeline template")
        return template

    def template_for(self, actor: Principal, spec: PipelineSpec) -> Template | None:
        try:
            return self._template(actor, spec)
        except InvalidInput:
            return None

    def list_pipelines(self, actor: Principal, domain_ref: str) -> list[Pipeline]:
        with self._catalog.read() as session:
            domain = self._domains.resolve(session, actor, domain_ref, Action.ITEM_READ)
            rows = session.scalars(
                select(PipelineRow).where(PipelineRow.domain_id == domain.id).order_by(PipelineRow.slug)
            )
            return [self._view(actor, r, domain) for r in rows]

    def get(self, actor: Principal, domain_ref: str, name: str) -> Pipeline:
        with self._catalog.read() as session:
            row, domain = self._load(session, actor, domain_ref, name, Action.ITEM_READ)
            return self._view(actor, row, domain)

    def versions(self, actor: Principal, domain_ref: str, name: str) -> list[PipelineVersion]:
        with self._catalog.read() as session:
            row, _ = self._load(session, actor, domain_ref, name, Action.ITEM_READ)
            rows = session.scalars(
                select(PipelineVersionRow)
                .where(PipelineVersionRow.pipeline_id == row.id)
                .order_by(PipelineVersionRow.version.desc())
            )
            return [
                PipelineVersion(version=v.version, created_at=v.created_at, created_by=v.created_by, spec=v.spec)
                for v in rows
            ]

    def delete(self, actor: Principal, domain_ref: str, name: str) -> None:
        with self._catalog.transaction() as session:
            row, domain = self._load(session, actor, domain_ref, name, Action.ITEM_DELETE)
            running = session.scalar(
                select(func.count())
                .select_from(PipelineRunRow)
                .where(PipelineRunRow.pipeline_id == row.id, PipelineRunRow.state.in_(UNFINISHED))
            )
            if running:
                raise Conflict(f"Pipeline {row.name!r} has a run in progress; cancel it first")
            self._journal(session, actor, row, domain, "pipeline.deleted", {"version": row.version})
            session.delete(row)

    # -- runs ------------------------------------------------------------------------------------
    def start_run(self, actor: Principal, domain_ref: str, name: str) -> PipelineRun:
        """Queue a run now; `execute()` (the caller, the API's background task or the scheduler) runs it."""
        now = self._clock.now()
        with self._catalog.transaction() as session:
            row, domain = self._load(session, actor, domain_ref, name, Action.ITEM_WRITE)
            run = self.scheduling.new_run(session, row, "manual", None, actor.name, now)
            self._journal(session, actor, row, domain, "pipeline.run.queued", {"run": run.id})
            session.flush()
            return to_run(run, row, domain)

    def start_rerun(self, actor: Principal, domain_ref: str, name: str, run_id: str) -> PipelineRun:
        """Queue a failed or cancelled run again with its own parameters (the pipeline version it ran), linked to it."""
        now = self._clock.now()
        with self._catalog.transaction() as session:
            row, domain = self._load(session, actor, domain_ref, name, Action.ITEM_WRITE)
            old = self._run_row(session, row, run_id)
            if old.state not in RERUNNABLE:
                raise Conflict(f"Run {old.id} is {old.state}; only failed or cancelled runs are re-run (use Run now)")
            run = self.scheduling.new_run(session, row, "manual", None, actor.name, now)
            run.pipeline_version, run.rerun_of = old.pipeline_version, old.id
            self._journal(session, actor, row, domain, "pipeline.run.queued", {"run": run.id, "rerun_of": old.id})
            session.flush()
            return to_run(run, row, domain)

    def rerun(self, actor: Principal, domain_ref: str, name: str, run_id: str) -> PipelineRun:
        run = self.start_rerun(actor, domain_ref, name, run_id)
        self.execute(run.id)
        return self.get_run(actor, domain_ref, name, run.id)

    def execute(self, run_id: str) -> None:
        self.scheduling.execute(run_id)

    def run_now(self, actor: Principal, domain_ref: str, name: str) -> PipelineRun:
        run = self.start_run(actor, domain_ref, name)
        self.execute(run.id)
        return self.get_run(actor, domain_ref, name, run.id)

    def list_runs(
        self, actor: Principal, domain_ref: str, name: str, *, limit: int = 50, cursor: str | None = None
    ) -> Page[PipelineRun]:
        check_limit(limit)
        after = decode_cursor(cursor)
        with self._catalog.read() as session:
            row, domain = self._load(session, actor, domain_ref, name, Action.ITEM_READ)
            query = select(PipelineRunRow).where(PipelineRunRow.pipeline_id == row.id)
            if after is not None:
                query = query.where(PipelineRunRow.id < str(after))
            runs = list(session.scalars(query.order_by(PipelineRunRow.id.desc()).limit(limit + 1)))
            reruns = reruns_of(session, [r.id for r in runs[:limit]])
            return Page(
                items=[to_run(r, row, domain, reruns.get(r.id)) for r in runs[:limit]],
                next_cursor=encode_cursor(runs[limit - 1].id) if len(runs) > limit else None,
            )

    def get_run(self, actor: Principal, domain_ref: str, name: str, run_id: str) -> PipelineRun:
        with self._catalog.read() as session:
            row, domain = self._load(session, actor, domain_ref, name, Action.ITEM_READ)
            run = self._run_row(session, row, run_id)
            return to_run(run, row, domain, reruns_of(session, [run.id]).get(run.id))

    def logs(
        self, actor: Principal, domain_ref: str, name: str, run_id: str, *, after: int = 0
    ) -> tuple[list[RunLogLine], bool]:
        """Log lines after `after` (an id), and whether the run has finished (no more lines will come)."""
        with self._catalog.read() as session:
            row, _ = self._load(session, actor, domain_ref, name, Action.ITEM_READ)
            run = self._run_row(session, row, run_id)
            lines = session.scalars(
                select(PipelineRunLogRow)
                .where(PipelineRunLogRow.run_id == run.id, PipelineRunLogRow.id > after)
                .order_by(PipelineRunLogRow.id)
                .limit(MAX_LOG_LINES)
            )
            items = [
                RunLogLine(id=r.id, at=r.at, level=r.level, step=r.step, attempt=r.attempt, message=r.message)
                for r in lines
            ]
            return items, run.state in FINISHED

    def cancel(self, actor: Principal, domain_ref: str, name: str, run_id: str) -> PipelineRun:
        """A queued run is cancelled at once; a running one stops before its next step or attempt."""
        now = self._clock.now()
        with self._catalog.transaction() as session:
            row, domain = self._load(session, actor, domain_ref, name, Action.ITEM_WRITE)
            run = self._run_row(session, row, run_id)
            if run.state in FINISHED:
                raise Conflict(f"Run {run.id} already {run.state}")
            run.cancel_requested = True
            if run.state == RunState.QUEUED:
                run.state, run.finished_at, run.error = RunState.CANCELLED, now, "cancelled before it started"
            self._journal(session, actor, row, domain, "pipeline.run.cancel_requested", {"run": run.id})
            session.flush()
            return to_run(run, row, domain)

    def tick(self) -> list[str]:
        """The scheduler job: recover runs of dead workers, queue due cron runs, execute queued runs."""
        return self.scheduling.tick()

    # -- helpers ---------------------------------------------------------------------------------
    def _view(self, actor: Principal, row: PipelineRow, domain: DomainRow) -> Pipeline:
        spec = PipelineSpec.model_validate(row.spec)
        return to_pipeline(row, domain, behaviour_of(spec, self.template_for(actor, spec)))

    def _load(
        self, session: Session, actor: Principal, domain_ref: str, name: str, action: Action
    ) -> tuple[PipelineRow, DomainRow]:
        domain = find_domain_row(session, domain_ref)
        row = _find(session, domain.id, name) if domain else None
        asked = f"{domain_ref}/{name}"
        if domain is None or row is None:
            if domain is not None:
                resource = Resource("pipeline", name, domain.id)
                self._authz.authorize(actor, Action.ITEM_READ, resource, session, asked=asked)
            raise not_found("pipeline", asked)
        self._authz.authorize(actor, action, pipeline_resource(row, domain), session, asked=asked)
        return row, domain

    @staticmethod
    def _run_row(session: Session, pipeline: PipelineRow, run_id: str) -> PipelineRunRow:
        run = session.get(PipelineRunRow, run_id)
        if run is None or run.pipeline_id != pipeline.id:
            raise NotFound(f"Run {run_id!r} of pipeline {pipeline.name!r} not found")
        return run

    def _journal(
        self,
        session: Session,
        actor: Principal,
        row: PipelineRow,
        domain: DomainRow,
        action: str,
        after: dict[str, Any],
    ) -> None:
        record(
            session,
            at=self._clock.now(),
            actor=actor.name,
            action=action,
            resource_type="pipeline",
            resource_id=row.id,
            resource_name=f"{domain.slug}/{row.slug}",
            domain=domain.slug,
            after=after,
        )


def _find(session: Session, domain_id: str, name: str) -> PipelineRow | None:
    return session.scalar(
        select(PipelineRow).where(
            PipelineRow.domain_id == domain_id, (PipelineRow.slug == slugify(name)) | (PipelineRow.id == name)
        )
    )


def count_pipelines(session: Session, domain_id: str) -> tuple[str, int]:
    n = session.scalar(select(func.count()).select_from(PipelineRow).where(PipelineRow.domain_id == domain_id))
    return "pipelines", int(n or 0)


def purge_pipelines(session: Session, domain_id: str) -> None:
    session.execute(delete(PipelineRow).where(PipelineRow.domain_id == domain_id))


def template_usage(session: Session, name: str) -> int:
    n = session.scalar(
        select(func.count()).select_from(PipelineRow).where(func.lower(PipelineRow.template) == name.lower())
    )
    return int(n or 0)
