"""The FastAPI application: routers, guards and the problem mapping, over one Platform."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from lakemesh import __version__
from lakemesh.api import problems
from lakemesh.api.middleware import BodyGuard
from lakemesh.api.routes import audit, domains, health, lakehouses, principals, products, table_data, templates
from lakemesh.platform import Platform

DESCRIPTION = """
Lakemesh is a self-hosted data mesh platform on an open lakehouse.

Authenticate with `Authorization: Bearer <token>`. Errors are RFC 9457 problem details
(`application/problem+json`). Lists are paginated with `limit` and an opaque `cursor`.
Names are matched case-insensitively and addressed by slug (`Customer 360` → `customer-360`).
"""

# Routes that take bodies other than JSON; they check their own media types and sizes.
RAW_BODY_PATHS: list[str] = [*table_data.RAW_BODY_PATHS, *products.RAW_BODY_PATHS]


def create_app(platform: Platform) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if platform.settings.scheduler:
            platform.scheduler.start()
        yield
        platform.scheduler.stop()

    app = FastAPI(title="Lakemesh", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.platform = platform
    problems.install(app)

    for module in (health, principals, domains, lakehouses, table_data, templates, products, audit):
        app.include_router(module.router)
    # capability routers: one line each

    app.add_middleware(BodyGuard, max_bytes=platform.settings.max_body_bytes, raw_paths=RAW_BODY_PATHS)
    return app
