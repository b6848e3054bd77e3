"""The web UI: server-rendered Jinja2 pages with htmx, served by `lakemesh serve` at `/`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"


def mount(app: FastAPI) -> None:
    """Pages at `/`, assets at `/static`; pages sign in with a session cookie, never the API's bearer token."""
    from lakemesh.web.render import html_not_found
    from lakemesh.web.routes import router

    app.include_router(router)
    app.state.html_not_found = html_not_found
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
