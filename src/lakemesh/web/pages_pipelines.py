"""Pipelines of a domain: each pipeline's steps and runs, and a run's steps and logs (read-only pages)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from lakemesh.core.errors import NotFound
from lakemesh.platform import Platform
from lakemesh.web.render import Viewer, WebRoute, page, platform_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)
RUNS_SHOWN = 25


def _pipelines(platform: Platform) -> Any:
    service = getattr(platform, "pipelines", None)
    if service is None:
        raise NotFound("Pipelines are not available on this platform")
    return service


@router.get("/domains/{domain}/pipelines/{pipeline}", response_class=HTMLResponse)
def pipeline_page(request: Request, me: Viewer, domain: str, pipeline: str) -> Response:
    service = _pipelines(platform_of(request))
    found = service.get(me, domain, pipeline)  # NotFound / Forbidden: the same 404 page as a missing one
    runs = service.list_runs(me, domain, found.slug, limit=RUNS_SHOWN).items
    return page(request, "pipeline.html", {"pipeline": found, "steps": _steps(found.spec), "runs": runs})


@router.get("/domains/{domain}/pipelines/{pipeline}/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, me: Viewer, domain: str, pipeline: str, run_id: str) -> Response:
    service = _pipelines(platform_of(request))
    found = service.get(me, domain, pipeline)
    run = service.get_run(me, domain, found.slug, run_id)
    lines, finished = service.logs(me, domain, found.slug, run.id)
    return page(request, "pipeline_run.html", {"pipeline": found, "run": run, "lines": lines, "finished": finished})


def _steps(spec: dict[str, Any]) -> list[dict[str, str]]:
    """What each step does, in words: its type, what it reads and the table it writes."""
    rows = []
    for step in spec.get("steps", []) or []:
        if not isinstance(step, dict):
            continue
        raw_target = step.get("target")
        target: dict[str, Any] = raw_target if isinstance(raw_target, dict) else {}
        source = step.get("source")
        reads = ", ".join(f"{k}: {v}" for k, v in source.items()) if isinstance(source, dict) else ""
        if step.get("sql"):
            reads = str(step["sql"])
        elif step.get("function"):
            reads = f"function {step['function']}"
        elif step.get("product"):
            reads = f"rules of {step['product']}"
        writes = f"{target.get('table', '')} ({target.get('mode', '')})" if target.get("table") else ""
        rows.append({"name": str(step.get("name", "")), "type": str(step.get("type", "")), "reads": reads,
                     "writes": writes})  # fmt: skip
    return rows
