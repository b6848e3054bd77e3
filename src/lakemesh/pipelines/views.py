"""Catalog rows of pipelines and runs as the API returns them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from lakemesh.catalog.tables.pipelines import PipelineRow, PipelineRunRow
from lakemesh.pipelines.models import Behaviour, Pipeline, PipelineRun, StepRun

if TYPE_CHECKING:
    from lakemesh.catalog.tables.domains import DomainRow


def to_pipeline(row: PipelineRow, domain: DomainRow, behaviour: Behaviour) -> Pipeline:
    return Pipeline(
        id=row.id,
        domain=domain.slug,
        name=row.name,
        slug=row.slug,
        qualified_name=f"{domain.slug}/{row.slug}",
        version=row.version,
        description=str(row.spec.get("description", "")),
        template=row.template,
        schedule=row.schedule,
        paused=row.paused,
        next_run_at=row.next_run_at if row.schedule and not row.paused else None,
        behaviour=behaviour,
        spec=row.spec,
        run_as=row.updated_by,
        created_by=row.created_by,
        updated_by=row.updated_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def to_run(
    row: PipelineRunRow, pipeline: PipelineRow, domain: DomainRow, rerun_by: list[str] | None = None
) -> PipelineRun:
    duration = None
    if row.started_at is not None and row.finished_at is not None:
        duration = int((row.finished_at - row.started_at).total_seconds() * 1000)
    return PipelineRun(
        id=row.id,
        pipeline=f"{domain.slug}/{pipeline.slug}",
        domain=domain.slug,
        pipeline_version=row.pipeline_version,
        state=row.state,
        trigger=row.trigger,
        scheduled_for=row.scheduled_for,
        triggered_by=row.triggered_by,
        attempts=row.attempts,
        retries=sum(max(int(s.get("attempts") or 0) - 1, 0) for s in row.steps or []),
        rows_read=row.rows_read,
        rows_written=row.rows_written,
        duration_ms=duration,
        steps=[StepRun.model_validate(s) for s in row.steps or []],
        outputs=list(row.outputs or []),
        error=row.error,
        cancel_requested=row.cancel_requested,
        rerun_of=row.rerun_of,
        rerun_by=rerun_by or [],
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


def reruns_of(session: Session, run_ids: list[str]) -> dict[str, list[str]]:
    """For each run, the runs started again from it, oldest first (one query for a page of runs)."""
    found: dict[str, list[str]] = {}
    if not run_ids:
        return found
    query = select(PipelineRunRow.id, PipelineRunRow.rerun_of).where(PipelineRunRow.rerun_of.in_(run_ids))
    for run_id, rerun_of in session.execute(query.order_by(PipelineRunRow.id)):
        found.setdefault(str(rerun_of), []).append(run_id)
    return found
