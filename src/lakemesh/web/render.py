"""Rendering pages and error pages, and the route class that turns every error into an HTML page.

Autoescaping is on for every template: names, descriptions and column names from users are always text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from contextlib import suppress
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape

from lakemesh.auth.models import Principal
from lakemesh.core.errors import Forbidden, LakemeshError, NotFound, Unauthorized
from lakemesh.metrics.hooks import installed_capabilities
from lakemesh.platform import Platform
from lakemesh.web import access_actions, formatting, links
from lakemesh.web.session import CSRF_HEADER, SessionCookies, WebSession, csrf_matches, load_secret

log = logging.getLogger("lakemesh.web")
TEMPLATES = Path(__file__).parent / "templates"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
NOT_FOUND = "The page you asked for does not exist, or you may not see it."

environment = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True, default_for_string=True)
)
environment.filters.update(
    contract_type=formatting.contract_type,
    number=formatting.number,
    percent=formatting.percent,
    when=formatting.when,
    plural=formatting.plural,
    cron_words=formatting.cron_words,
    subject_href=links.subject_href,
    policy_anchor=links.policy_anchor,
    policy_href=links.policy_href,
)


class SignInRequired(Exception):
    """No valid session: pages send the browser to the sign-in form."""


class CsrfRefused(Exception):
    """A form post without this session's CSRF token."""


def platform_of(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def cookies_of(request: Request) -> SessionCookies:
    state = request.app.state
    cookies: SessionCookies | None = getattr(state, "web_cookies", None)
    if cookies is None:
        cookies = SessionCookies(load_secret(platform_of(request).settings.home))
        state.web_cookies = cookies
    return cookies


def session_of(request: Request) -> WebSession | None:
    return cookies_of(request).read(request)


def signed_in(request: Request) -> Principal:
    session = session_of(request)
    if session is None:
        raise SignInRequired
    try:
        principal = platform_of(request).web_sessions.principal(session.id)
    except Unauthorized:
        raise SignInRequired from None
    request.state.web_principal = principal
    request.state.principal = principal.name
    return principal


Viewer = Annotated[Principal, Depends(signed_in)]


def require_csrf(request: Request, sent: str | None) -> None:
    if not csrf_matches(session_of(request), sent or request.headers.get(CSRF_HEADER)):
        raise CsrfRefused


def page(request: Request, template: str, context: dict[str, Any], *, status: int = 200) -> HTMLResponse:
    """Render a page with what every page needs: who is signed in, the CSRF token, which capabilities exist."""
    platform = platform_of(request)
    session = session_of(request)
    fresh = session is None
    if session is None:
        session = cookies_of(request).new()
    me = getattr(request.state, "web_principal", None)
    base = {
        "me": me,
        "waiting": access_actions.pending_count(platform, me) if me is not None else 0,
        "csrf": session.csrf,
        "installed": installed_capabilities(platform),
        "path": request.url.path,
    }
    html = environment.get_template(template).render({**base, **context})
    response = HTMLResponse(html, status_code=status)
    if fresh:
        cookies_of(request).write(request, response, session)
    return response


def error_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    return page(request, "error.html", {"title": title, "message": message, "status": status}, status=status)


API_PREFIXES = ("/api/", "/delta-sharing/", "/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/redoc")


def html_not_found(request: Request) -> Response | None:
    """The styled 404 page for a browser asking for a page; None (problem JSON) for API paths and API clients."""
    path = request.url.path
    if path.startswith(API_PREFIXES) or path == "/api" or "text/html" not in request.headers.get("accept", ""):
        return None
    with suppress(SignInRequired):
        signed_in(request)  # the header shows who is signed in, as on every other page
    response = error_page(request, 404, "Not found", NOT_FOUND)
    response.headers.update(SECURITY_HEADERS)
    return response


class WebRoute(APIRoute):
    """Errors become pages: no session → sign-in; hidden or missing → one identical 404; refused → 403."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                response = await original(request)
            except SignInRequired:
                if request.method == "GET":
                    response = RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
                else:
                    response = error_page(request, 401, "Sign in required", "Your session ended; sign in again.")
            except CsrfRefused:
                message = "This form was not sent from a page of this site, or it expired; reload and try again."
                response = error_page(request, 403, "Form refused", message)
            except NotFound:
                response = error_page(request, 404, "Not found", NOT_FOUND)
            except Forbidden as exc:
                response = error_page(request, 403, "Not allowed", exc.detail)
            except LakemeshError as exc:
                response = error_page(request, exc.status, exc.title, str(exc))
            except RequestValidationError:
                response = error_page(request, 422, "Invalid input", "The form is missing fields or has bad values.")
            except Exception:
                log.exception("unexpected error on %s %s", request.method, request.url.path)
                response = error_page(request, 500, "Something went wrong", "The error has been logged.")
            response.headers.update(SECURITY_HEADERS)
            return response

        return handler
