"""The Query page: governed SQL with a pending badge and Cancel while it runs, duration, columns shown, and history.

It lights up once the query capability is installed.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from contextlib import suppress
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from lakemesh.auth.models import Principal
from lakemesh.core.errors import LakemeshError, NotFound, invalid
from lakemesh.web import capabilities
from lakemesh.web.query_sources import query_sources
from lakemesh.web.render import Viewer, WebRoute, page, platform_of, require_csrf

router = APIRouter(route_class=WebRoute, include_in_schema=False)
FormText = Annotated[str | None, Form()]
QUERY_ROWS = 500
MAX_SQL = 20_000
HISTORY_SHOWN = 10
QUERY_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


@router.get("/query", response_class=HTMLResponse)
def query_page(request: Request, me: Viewer) -> Response:
    return page(request, "query.html", _query_context(request, me, "", None))


@router.post("/query", response_class=HTMLResponse)
def run_query(
    request: Request,
    me: Viewer,
    sql: FormText = None,
    format: FormText = None,
    query_id: FormText = None,
    csrf_token: FormText = None,
) -> Response:
    require_csrf(request, csrf_token)
    text = (sql or "").strip()
    service = capabilities.query_service(platform_of(request))
    if service is None:
        return page(request, "query.html", _query_context(request, me, text, None))
    try:
        if not text or len(text) > MAX_SQL:
            raise invalid("sql", f"write one SELECT of at most {MAX_SQL} characters")
        outcome = service.run(me, text, limit=QUERY_ROWS, query_id=_query_id(query_id))
    except LakemeshError as exc:
        # Shown above the editor with the SQL kept: a typo must never throw the user's work away.
        context = {**_query_context(request, me, sql or "", None), "error": _query_error(exc)}
        swapped = request.headers.get("hx-request") == "true"  # htmx swaps successful answers only
        return page(request, "query.html", context, status=200 if swapped else exc.status)
    if format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(outcome.table.column_names)
        writer.writerows([_csv_safe(v) for v in row.values()] for row in outcome.table.to_pylist())
        headers = {"Content-Disposition": 'attachment; filename="query.csv"'}
        return Response(buffer.getvalue(), media_type="text/csv", headers=headers)
    return page(request, "query.html", _query_context(request, me, text, outcome))


@router.post("/query/{query_id}/cancel")
def cancel_query(request: Request, me: Viewer, query_id: str, csrf_token: FormText = None) -> Response:
    """Cancel my running query (the engine stops); one that already finished needs nothing more."""
    require_csrf(request, csrf_token)
    service = capabilities.query_service(platform_of(request))
    if service is not None:
        with suppress(NotFound):
            service.cancel(me, query_id)
    return Response(status_code=204)


def _query_id(sent: str | None) -> str | None:
    """The id the page chose for this run (so Cancel can name it); anything else runs without one."""
    return sent if sent and QUERY_ID.fullmatch(sent) else None


def _query_error(exc: LakemeshError) -> str:
    """The error in the user's words: the gate's reason (with line and column for syntax errors)."""
    reasons = [e.message for e in exc.errors] if exc.errors else []
    detail = "; ".join(reasons) if reasons else exc.detail
    if isinstance(exc, NotFound):
        detail += ". Pick one of the tables and products below."
    return detail


def _query_context(request: Request, me: Principal, sql: str, outcome: Any) -> dict[str, Any]:
    rows = [list(r.values()) for r in outcome.table.to_pylist()] if outcome is not None else []
    available = capabilities.query_service(platform_of(request)) is not None
    service = capabilities.query_service(platform_of(request))
    history = service.history(me, limit=HISTORY_SHOWN) if service is not None and hasattr(service, "history") else []
    return {
        "available": available,
        "sources": query_sources(platform_of(request), me) if available else [],
        "error": None,
        "sql": sql,
        "query_id": "q-" + secrets.token_urlsafe(12),  # a new id per page: Cancel names the run in flight
        "columns": outcome.table.column_names if outcome is not None else [],
        "rows": rows,
        "truncated": bool(outcome.truncated) if outcome is not None else False,
        "masked": outcome.masked if outcome is not None else {},
        "duration_ms": outcome.duration_ms if outcome is not None else None,
        "history": history,
    }


def _csv_safe(value: Any) -> Any:
    """Cells that a spreadsheet would run as formulas are prefixed with a quote (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
