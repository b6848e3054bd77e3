"""Pipelines of a domain: versioned specs, runs (now or on cron), run logs (streamed) and cancel."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Body, Query, Response, status
from fastapi.responses import StreamingResponse

from lakemesh.api.deps import Caller, Cursor, Limit, PlatformDep
from lakemesh.api.limits import HeavySlot
from lakemesh.auth.models import Principal
from lakemesh.core.pages import DEFAULT_LIMIT, Page
from lakemesh.core.validation import MAX_INT64
from lakemesh.facade.pipelines import pipeline_spec
from lakemesh.pipelines.models import Pipeline, PipelineRun, PipelineVersion
from lakemesh.platform import Platform

router = APIRouter(prefix="/api/v1/domains/{domain}/pipelines", tags=["pipelines"])
FOLLOW_POLL_SECONDS = 0.5
FOLLOW_MAX_SECONDS = 3600


@router.put(
    "/{pipeline}",
    summary="Create or update a pipeline",
    description="The spec (as in a `lakemesh pipeline apply` YAML file). A changed spec becomes a new version; "
    "an unchanged one is a no-op. Cycles, unknown steps, tables, functions or products, bad SQL or cron, and "
    "URLs not on the allow-list are one 422 listing every problem.",
)
def put_pipeline(
    domain: str, pipeline: str, spec: Annotated[dict[str, Any], Body()], platform: PlatformDep, caller: Caller
) -> Pipeline:
    return platform.pipelines.apply(caller, domain, pipeline_spec(spec, pipeline))


@router.get("", summary="List the domain's pipelines")
def list_pipelines(domain: str, platform: PlatformDep, caller: Caller) -> Page[Pipeline]:
    return Page(items=platform.pipelines.list_pipelines(caller, domain))


@router.get("/{pipeline}", summary="Get a pipeline")
def get_pipeline(domain: str, pipeline: str, platform: PlatformDep, caller: Caller) -> Pipeline:
    return platform.pipelines.get(caller, domain, pipeline)


@router.delete("/{pipeline}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a pipeline and its runs")
def delete_pipeline(domain: str, pipeline: str, platform: PlatformDep, caller: Caller) -> Response:
    platform.pipelines.delete(caller, domain, pipeline)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{pipeline}/versions", summary="Versions of the spec, newest first")
def list_versions(domain: str, pipeline: str, platform: PlatformDep, caller: Caller) -> Page[PipelineVersion]:
    return Page(items=platform.pipelines.versions(caller, domain, pipeline))


@router.post(
    "/{pipeline}/runs",
    summary="Run now",
    dependencies=[HeavySlot],
    description="Queues a run and starts it in the background (202); with `wait=true` runs it in the request and "
    "returns the finished run (200).",
    status_code=status.HTTP_202_ACCEPTED,
)
def start_run(
    domain: str,
    pipeline: str,
    platform: PlatformDep,
    caller: Caller,
    background: BackgroundTasks,
    response: Response,
    wait: bool = False,
) -> PipelineRun:
    if wait:
        response.status_code = status.HTTP_200_OK
        return platform.pipelines.run_now(caller, domain, pipeline)
    run = platform.pipelines.start_run(caller, domain, pipeline)
    background.add_task(platform.pipelines.execute, run.id)
    response.headers["Location"] = f"/api/v1/domains/{domain}/pipelines/{pipeline}/runs/{run.id}"
    return run


@router.get("/{pipeline}/runs", summary="Runs, newest first")
def list_runs(
    domain: str,
    pipeline: str,
    platform: PlatformDep,
    caller: Caller,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[PipelineRun]:
    return platform.pipelines.list_runs(caller, domain, pipeline, limit=limit, cursor=cursor)


@router.get("/{pipeline}/runs/{run_id}", summary="A run: state, attempts, steps, rows, table versions produced")
def get_run(domain: str, pipeline: str, run_id: str, platform: PlatformDep, caller: Caller) -> PipelineRun:
    return platform.pipelines.get_run(caller, domain, pipeline, run_id)


@router.post("/{pipeline}/runs/{run_id}/cancel", summary="Cancel a queued or running run")
def cancel_run(domain: str, pipeline: str, run_id: str, platform: PlatformDep, caller: Caller) -> PipelineRun:
    return platform.pipelines.cancel(caller, domain, pipeline, run_id)


@router.post(
    "/{pipeline}/runs/{run_id}/rerun",
    summary="Re-run a failed or cancelled run",
    dependencies=[HeavySlot],
    description="Queues a new run with the parameters of the given one (the pipeline version it ran, even if the "
    "pipeline changed since) and starts it in the background (202); with `wait=true` runs it in the request (200). "
    "The new run's `rerun_of` names the old run, whose `rerun_by` lists it. A queued, running or succeeded run is a "
    "409 (use Run now).",
    status_code=status.HTTP_202_ACCEPTED,
)
def rerun(
    domain: str,
    pipeline: str,
    run_id: str,
    platform: PlatformDep,
    caller: Caller,
    background: BackgroundTasks,
    response: Response,
    wait: bool = False,
) -> PipelineRun:
    if wait:
        response.status_code = status.HTTP_200_OK
        return platform.pipelines.rerun(caller, domain, pipeline, run_id)
    run = platform.pipelines.start_rerun(caller, domain, pipeline, run_id)
    background.add_task(platform.pipelines.execute, run.id)
    response.headers["Location"] = f"/api/v1/domains/{domain}/pipelines/{pipeline}/runs/{run.id}"
    return run


@router.get(
    "/{pipeline}/runs/{run_id}/logs",
    summary="Run logs as JSON lines",
    description="One JSON object per line (`id, at, level, step, attempt, message`). `after` resumes after a line "
    "id; `follow=true` keeps the response open and streams new lines until the run finishes.",
    responses={200: {"content": {"application/x-ndjson": {}}}},
)
def run_logs(
    domain: str,
    pipeline: str,
    run_id: str,
    platform: PlatformDep,
    caller: Caller,
    after: Annotated[int, Query(ge=0, le=MAX_INT64)] = 0,
    follow: bool = False,
) -> StreamingResponse:
    platform.pipelines.logs(caller, domain, pipeline, run_id, after=after)  # checks access before streaming
    return StreamingResponse(
        _stream(platform, caller, (domain, pipeline, run_id), after, follow), media_type="application/x-ndjson"
    )


def _stream(
    platform: Platform, caller: Principal, ref: tuple[str, str, str], after: int, follow: bool
) -> Iterator[bytes]:
    deadline = time.monotonic() + FOLLOW_MAX_SECONDS
    while True:
        lines, finished = platform.pipelines.logs(caller, *ref, after=after)
        for line in lines:
            after = line.id
            yield (json.dumps(line.model_dump(mode="json")) + "\n").encode()
        if not follow or (finished and not lines) or time.monotonic() > deadline:
            return
        if not lines:
            time.sleep(FOLLOW_POLL_SECONDS)
