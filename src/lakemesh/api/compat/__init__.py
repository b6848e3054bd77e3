"""Fabric, Purview and Power BI compatible REST: each a sub-application that only translates.

Names, shapes and errors in; calls of the same services the native API uses out, under the same bearer
token, roles, grants, audit and events. See docs/compat.md for every operation and its mapping.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request

from lakemesh.api.compat import errors, fabric_items, fabric_workspaces
from lakemesh.platform import Platform

FABRIC_PREFIX = "/fabric/v1"
PREFIXES = {"Fabric": FABRIC_PREFIX}

_fallback = APIRouter()


@_fallback.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
def _unsupported(request: Request, rest: str) -> None:
    """Anything Lakemesh does not translate says so (501), never a silent success or a bare 404."""
    raise errors.not_supported(f"{request.method} /{rest}")


def fabric_app(platform: Platform) -> FastAPI:
    app = FastAPI(title="Lakemesh: Fabric REST v1", docs_url=None, redoc_url=None)
    app.state.platform = platform
    errors.install(app)
    app.include_router(fabric_workspaces.router)
    app.include_router(fabric_items.router)
    app.include_router(_fallback)
    return app


def mount(app: FastAPI, platform: Platform) -> None:
    """The one line `api/app.py` calls: every compatible surface at its documented prefix."""
    app.mount(FABRIC_PREFIX, fabric_app(platform))
