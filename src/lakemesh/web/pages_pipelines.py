"""Pipelines of a domain: each pipeline's steps and runs, a run's steps and logs; run now and re-run a run."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from lakemesh.auth.authorize import Resource
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.core.errors import NotFound
from lakemesh.pipelines.models import RERUNNABLE
from lakemesh.platform import Platform
from lakemesh.web.render import Viewer, WebRoute, page, platform_of, require_csrf

router = APIRouter(route_class=WebRoute, include_in_schema=False)
RUNS_SHOWN = 25
FormText = Annotated[str | None, Form()]


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
    context = {"pipeline": found, "steps": _steps(found.spec), "runs": runs, "can_run": _can_run(request, me, domain),
               "rerunnable": RERUNNABLE}  # fmt: skip
    return page(request, "pipeline.html", context)


def _can_run(request: Request, me: Principal, domain: str) -> bool:
    platform = platform_of(request)
    domain_id = platform.domains.get(me, domain).id
    return platform.authorizer.can(me, Action.ITEM_WRITE, Resource("pipeline", domain, domain_id))


@router.post("/domains/{domain}/pipelines/{pipeline}/run")
def run_now(request: Request, me: Viewer, domain: str, pipeline: str, csrf_token: FormText = None) -> Response:
    """Run now (also the re-run of a failed run): queued at once, executed after the response, like the API."""
    require_csrf(request, csrf_token)
    service = _pipelines(platform_of(request))
    run = service.start_run(me, domain, pipeline)
    target = f"/domains/{quote(domain)}/pipelines/{quote(pipeline)}/runs/{quote(run.id)}"
    return RedirectResponse(target, status_code=303, background=BackgroundTask(service.execute, run.id))


@router.post("/domains/{domain}/pipelines/{pipeline}/runs/{run_id}/rerun")
def rerun(
    request: Request, me: Viewer, domain: str, pipeline: str, run_id: str, csrf_token: FormText = None
) -> Response:
    """Re-run this failed run with its own parameters (the version it ran); the new run page links back to it."""
    require_csrf(request, csrf_token)
    service = _pipelines(platform_of(request))
    run = service.start_rerun(me, domain, pipeline, run_id)
    target = f"/domains/{quote(domain)}/pipelines/{quote(pipeline)}/runs/{quote(run.id)}"
    return RedirectResponse(target, status_code=303, background=BackgroundTask(service.execute, run.id))


@router.get("/domains/{domain}/pipelines/{pipeline}/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, me: Viewer, domain: str, pipeline: str, run_id: str) -> Response:
    service = _pipelines(platform_of(request))
    found = service.get(me, domain, pipeline)
    run = service.get_run(me, domain, found.slug, run_id)
    lines, finished = service.logs(me, domain, found.slug, run.id)
    context = {"pipeline": found, "run": run, "lines": lines, "finished": finished,
               "can_run": _can_run(request, me, domain), "rerunnable": RERUNNABLE}  # fmt: skip
    return page(request, "pipeline_run.html", context)


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
