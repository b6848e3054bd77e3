"""Sign-in, sign-out and the home page (mesh health tiles and charts)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lakemesh.core.errors import Unauthorized
from lakemesh.metrics.models import MeshMetrics, MetricsReport
from lakemesh.web.formatting import percent
from lakemesh.web.render import Viewer, WebRoute, cookies_of, page, platform_of, require_csrf, session_of
from lakemesh.web.svg import bar_chart, line_chart

router = APIRouter(route_class=WebRoute, include_in_schema=False)
FormText = Annotated[str | None, Form()]
DAYS = 30

TILES = [
    ("data_products_count", "Data products", "every status you can see"),
    ("domains_active", "Active domains", "published or wrote in 30 days"),
    ("cross_domain_shares", "Cross-domain shares", "shortcuts, grants and shares"),
    ("avg_quality_score", "Average quality score", "latest run per product"),
    ("time_to_new_product", "Time to new product", "median, creation to publish"),
    ("self_serve_adoption", "Self-serve adoption", "lakehouses from templates"),
    ("governance_compliance", "Governance compliance", "subject checks that comply"),
]
CHARTS = [
    ("data_products_count", "Data products"),
    ("avg_quality_score", "Average quality score (%)"),
    ("time_to_new_product", "Time to new product (days)"),
    ("self_serve_adoption", "Self-serve adoption (%)"),
    ("cross_domain_shares", "Cross-domain shares"),
    ("governance_compliance", "Governance compliance (%)"),
]


def safe_next(target: str | None) -> str:
    """Only paths on this site: never `//evil.example` or `https://...` (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _sso(request: Request) -> dict[str, str]:
    """The "Sign in with <provider>" button, when single sign-on is configured."""
    idp = platform_of(request).idp
    return {"sso_name": idp.config.provider_name} if idp is not None else {}


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/", signed_out: str = "") -> Response:
    notice = "You are signed out. Copies of your session cookie no longer work." if signed_out else None
    return page(request, "login.html", {"next": safe_next(next), "error": None, "notice": notice, **_sso(request)})


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, token: FormText = None, csrf_token: FormText = None, next: FormText = None) -> Response:
    require_csrf(request, csrf_token)
    secret = (token or "").strip()
    try:
        session_id, principal = platform_of(request).web_sessions.start(secret)
    except Unauthorized:
        failed = {"next": safe_next(next), "error": "That token is not valid.", **_sso(request)}
        return page(request, "login.html", failed, status=401)
    request.state.principal = principal.name
    response = RedirectResponse(safe_next(next), status_code=303)
    cookies_of(request).write(request, response, cookies_of(request).session(session_id))  # new id, new CSRF
    return response


@router.post("/logout")
def logout(request: Request, csrf_token: FormText = None) -> Response:
    require_csrf(request, csrf_token)
    session = session_of(request)
    platform_of(request).web_sessions.end(session.id if session else None)
    response = RedirectResponse("/login?signed_out=1", status_code=303)
    cookies_of(request).clear(response)
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, me: Viewer) -> Response:
    report = platform_of(request).metrics.report(me, days=DAYS)
    return page(request, "home.html", {"metrics": report.current, "days": DAYS, **home_parts(report)})


def _dated(points: list[Any]) -> list[tuple[str, float | None]]:
    """Dates written for the range: `Dec 6` within one year, `2025-12-06` across years."""
    same_year = len({p.day.year for p in points}) <= 1
    return [(f"{p.day:%b} {p.day.day}" if same_year else p.day.isoformat(), p.value) for p in points]


def home_parts(report: MetricsReport) -> dict[str, Any]:
    current: MeshMetrics = report.current
    summary = report.summary
    tiles = [
        {"label": label, "hint": hint, "value": summary.get(key), "unavailable": key in current.unavailable}
        for key, label, hint in TILES
    ]
    for tile, (key, _, _) in zip(tiles, TILES, strict=True):
        if key == "governance_compliance" and current.governance_scope is not None:  # the governance page's figure
            tile["value"] = None if current.governance_compliance is None else percent(current.governance_compliance)
            tile["scope"] = current.governance_scope
            tile["href"] = "/governance"
    charts = [
        (title, line_chart(title, _dated(report.series.get(key, [])), single="one day so far"))
        for key, title in CHARTS
        if key not in current.unavailable
    ]
    by_domain = sorted(current.data_products_by_domain.items(), key=lambda kv: -kv[1])
    charts.append(("Products by domain", bar_chart("Products by domain", [(k, float(v)) for k, v in by_domain])))
    return {"tiles": tiles, "charts": charts}
