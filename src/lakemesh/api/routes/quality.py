"""Quality runs (history and run now), cron schedules, SLA status, and the `data_quality_metrics` table."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import StreamingResponse

from lakemesh.api.deps import Caller, Cursor, Limit, PlatformDep
from lakemesh.core.pages import DEFAULT_LIMIT, Page
from lakemesh.quality.models import QualityRun, QualityRunRequest, QualitySchedule, ScheduleSet, SlaStatus
from lakemesh.storage import arrowio

router = APIRouter(tags=["quality"])
PRODUCT = "/api/v1/products/{domain}/{product}"


@router.get(f"{PRODUCT}/quality-runs", summary="Quality run history, newest first")
def list_runs(
    domain: str,
    product: str,
    platform: PlatformDep,
    caller: Caller,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[QualityRun]:
    return platform.quality.runs(caller, domain, product, limit=limit, cursor=cursor)


@router.post(
    f"{PRODUCT}/quality-runs",
    status_code=status.HTTP_201_CREATED,
    summary="Run the product's quality rules now",
    description="All rules in one scan of the table. Contributors and above of the product's domain may run checks. "
    "A table that cannot be read gives a run with status `errored` (still 201: the run is recorded and counts "
    "against availability). Failing-row samples are included only for callers who may read the table's data.",
)
def run_now(
    domain: str,
    product: str,
    platform: PlatformDep,
    caller: Caller,
    response: Response,
    request: QualityRunRequest | None = None,
) -> QualityRun:
    run = platform.quality.run(caller, domain, product, request)
    response.headers["Location"] = f"/api/v1/products/{domain}/{product}/quality-runs/{run.id}"
    return run


@router.get(f"{PRODUCT}/quality-runs/{{run_id}}", summary="One quality run")
def get_run(domain: str, product: str, run_id: str, platform: PlatformDep, caller: Caller) -> QualityRun:
    return platform.quality.get_run(caller, domain, product, run_id)


@router.get(
    f"{PRODUCT}/sla",
    summary="SLA status",
    description="Each objective of the contract's `sla` (freshness, quality_score, availability) with its target, "
    "current value, status (met, at_risk, breached, unknown) and since when.",
)
def get_sla(domain: str, product: str, platform: PlatformDep, caller: Caller) -> SlaStatus:
    return platform.quality.sla(caller, domain, product)


@router.get(f"{PRODUCT}/quality-schedule", summary="The product's quality schedule")
def get_schedule(domain: str, product: str, platform: PlatformDep, caller: Caller) -> QualitySchedule:
    return platform.quality.get_schedule(caller, domain, product)


@router.put(
    f"{PRODUCT}/quality-schedule",
    summary="Run the product's checks on a cron schedule (UTC)",
    description='`{"cron": "0 6 * * *"}`: five fields, UTC. Scheduled runs act as the platform.',
)
def put_schedule(
    domain: str, product: str, spec: ScheduleSet, platform: PlatformDep, caller: Caller
) -> QualitySchedule:
    return platform.quality.set_schedule(caller, domain, product, spec)


@router.delete(f"{PRODUCT}/quality-schedule", status_code=status.HTTP_204_NO_CONTENT, summary="Stop scheduled runs")
def delete_schedule(domain: str, product: str, platform: PlatformDep, caller: Caller) -> Response:
    platform.quality.delete_schedule(caller, domain, product)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/api/v1/quality/metrics",
    summary="Rows of the data_quality_metrics table",
    description="One row per rule per run, for the products you may read (optionally one domain or product).",
    response_class=Response,
    responses={200: {"content": {m: {} for m in arrowio.OUTPUT_TYPES.values()}}},
)
def metrics(
    platform: PlatformDep,
    caller: Caller,
    domain: str | None = None,
    product: str | None = None,
    format: Literal["arrow", "parquet", "csv", "json"] = "json",
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
) -> StreamingResponse:
    table = platform.quality.metrics(caller, domain=domain, product=product, limit=limit)
    return StreamingResponse(arrowio.encode(table.to_reader(), format), media_type=arrowio.OUTPUT_TYPES[format])
