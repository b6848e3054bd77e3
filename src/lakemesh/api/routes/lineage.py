"""Lineage: OpenLineage RunEvents in, the graph and impact analysis out (filtered to what the caller may see)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, status

from lakemesh.api.deps import Caller, PlatformDep
from lakemesh.lineage.models import Impact, LineageGraph, LineageReceipt
from lakemesh.lineage.service import MAX_DEPTH

router = APIRouter(prefix="/api/v1/lineage", tags=["lineage"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Accept an OpenLineage RunEvent",
    description="From outside tools (the openlineage-python HTTP transport works with endpoint `api/v1/lineage`). "
    "The job namespace names the domain it belongs to (you need write access there) or, for platform admins, "
    "any other namespace. Datasets in namespace `lakemesh` named `domain.lakehouse.table` are mesh tables. "
    "A malformed event is a 422 and nothing is stored.",
)
def post_event(event: Annotated[Any, Body()], platform: PlatformDep, caller: Caller) -> LineageReceipt:
    return platform.lineage.receive(caller, event)


@router.get("/events", summary="Stored events, newest first")
def list_events(
    platform: PlatformDep, caller: Caller, job: str | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> dict[str, list[dict[str, Any]]]:
    return {"items": platform.lineage.events(caller, job=job, limit=limit)}


@router.get(
    "/graph",
    summary="The lineage graph around a node",
    description="`node` is `table:<domain>.<lakehouse>.<table>`, `product:<domain>/<product>`, "
    "`pipeline:<domain>/<pipeline>`, `dataset:<namespace>/<name>` or `job:<namespace>/<name>`. Nodes you may not "
    "see are left out (and not walked through).",
)
def graph(
    platform: PlatformDep,
    caller: Caller,
    node: str,
    depth: Annotated[int, Query(ge=1, le=MAX_DEPTH)] = 3,
    direction: Literal["upstream", "downstream", "both"] = "both",
) -> LineageGraph:
    return platform.lineage.graph(caller, node, depth=depth, direction=direction)


@router.get("/impact", summary="What is downstream of a node or one of its columns")
def impact(platform: PlatformDep, caller: Caller, node: str, column: str | None = None) -> Impact:
    return platform.lineage.impact(caller, node, column=column)
