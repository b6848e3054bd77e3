"""Mesh health metrics (`/api/v1/metrics`) and the operators' Prometheus endpoint (`/metrics`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from lakemesh.api.deps import Caller, PlatformDep
from lakemesh.core.errors import Forbidden
from lakemesh.metrics.models import MetricsReport
from lakemesh.metrics.prometheus import CONTENT_TYPE

router = APIRouter(tags=["metrics"])


@router.get(
    "/api/v1/metrics",
    summary="Mesh health metrics, now and as daily series",
    description="The seed's mesh metrics computed live from the catalog (`current`, and `summary` in the seed's "
    "own shape), plus one daily series per metric from the `mesh_metrics` Delta table; today's point is live. "
    "Product counts include other domains' drafts only for platform admins.",
)
def get_metrics(
    platform: PlatformDep,
    caller: Caller,
    days: Annotated[int, Query(ge=1, le=366, description="How many days of history, today included.")] = 30,
) -> MetricsReport:
    return platform.metrics.report(caller, days=days)


class SnapshotResult(BaseModel):
    rows: int = Field(description="Rows appended to the `mesh_metrics` Delta table.")


@router.post(
    "/api/v1/metrics/snapshot",
    summary="Snapshot the mesh metrics now (platform admins)",
    description="Appends today's figures to the `mesh_metrics` Delta table, as the server does daily.",
)
def snapshot_metrics(platform: PlatformDep, caller: Caller) -> SnapshotResult:
    return SnapshotResult(rows=platform.metrics.snapshot_as(caller))


@router.get(
    "/metrics",
    summary="Prometheus metrics for operators",
    description="Request counts and latencies per route, scheduled job runs. Scrape with a platform admin's "
    "bearer token (Prometheus `authorization: {credentials: ...}`).",
    response_class=Response,
)
def prometheus_metrics(platform: PlatformDep, caller: Caller) -> Response:
    if not caller.is_platform_admin:
        raise Forbidden("Only platform admins can read the operator metrics")
    return Response(platform.server_metrics.render(), media_type=CONTENT_TYPE)
