"""The FastAPI application: routers, guards and the problem mapping, over one Platform."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline

from lakemesh import __version__, web
from lakemesh.api import compat, limits, openapi, problems
from lakemesh.api.middleware import BodyGuard
from lakemesh.api.routes import access as access_routes
from lakemesh.api.routes import agreements as agreements_routes
from lakemesh.api.routes import audit, domains, health, lakehouses, principals, products, table_data, templates
from lakemesh.api.routes import classification as classification_routes
from lakemesh.api.routes import council as council_routes
from lakemesh.api.routes import delta_sharing as delta_sharing_routes
from lakemesh.api.routes import discovery as discovery_routes
from lakemesh.api.routes import glossary as glossary_routes
from lakemesh.api.routes import governance as governance_routes
from lakemesh.api.routes import incidents as incidents_routes
from lakemesh.api.routes import intake as intake_routes
from lakemesh.api.routes import lineage as lineage_routes
from lakemesh.api.routes import metrics as metrics_routes
from lakemesh.api.routes import pipelines as pipeline_routes
from lakemesh.api.routes import profiles as profile_routes
from lakemesh.api.routes import quality as quality_routes
from lakemesh.api.routes import selfserve as selfserve_routes
from lakemesh.api.routes import semantic as semantic_routes
from lakemesh.api.routes import sharing as sharing_routes
from lakemesh.api.routes import subscriptions as subscriptions_routes
from lakemesh.api.strict import strict_scalars
from lakemesh.metrics.prometheus import RequestMetrics
from lakemesh.platform import Platform

DESCRIPTION = """
Lakemesh is a self-hosted data mesh platform on an open lakehouse.

Authenticate with `Authorization: Bearer <token>`. Errors are RFC 9457 problem details
(`application/problem+json`). Lists are paginated with `limit` and an opaque `cursor`.
Names are matched case-insensitively and addressed by slug (`Customer 360` → `customer-360`).
No text anywhere in a request (parameters, body values or keys) may contain a NUL character (422).
Fields checked beyond what the schema states (a principal that must exist, SQL the gate must accept)
are listed per operation in `x-lakemesh-checked-beyond-schema` and in its 422 description.
"""

# The compatible surfaces' base URLs, for `lakemesh serve` to print.
COMPAT_PREFIXES = compat.PREFIXES

# Routes that take bodies other than JSON; they check their own media types and sizes.
RAW_BODY_PATHS: list[str] = [*table_data.RAW_BODY_PATHS, *products.RAW_BODY_PATHS, *semantic_routes.RAW_BODY_PATHS]
RAW_BODY_PATHS += glossary_routes.RAW_BODY_PATHS


def create_app(platform: Platform) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if platform.settings.scheduler:
            platform.scheduler.start()
        yield
        platform.scheduler.stop()

    # Swagger UI and ReDoc assets come from the installed package, not a CDN: /docs works offline.
    app = FastAPIOffline(
        title="Lakemesh",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        dependencies=[Depends(strict_scalars)],
    )
    app.state.platform = platform
    app.state.heavy_slots = limits.heavy_slots(platform)
    problems.install(app)
    openapi.install(app)
    compat.mount(app)  # Fabric, Purview, Power BI compatible REST (docs/compat.md); first: routes match in order
    app.mount("/scim", BuiltOnFirstUse(partial(_scim_application, platform)))

    for module in (health, principals, domains, lakehouses, table_data, templates, products, audit):
        app.include_router(module.router)
    # capability routers: one line each
    app.include_router(semantic_routes.router)
    app.include_router(sharing_routes.router)
    app.include_router(delta_sharing_routes.router)
    app.include_router(metrics_routes.router)
    web.mount(app)  # the web UI at / (session cookies, not bearer tokens)
    app.add_middleware(RequestMetrics, recorder=platform.server_metrics)
    app.include_router(access_routes.router)
    app.include_router(discovery_routes.router)
    app.include_router(pipeline_routes.router)
    app.include_router(lineage_routes.router)
    app.include_router(selfserve_routes.router)
    app.include_router(governance_routes.router)
    app.include_router(quality_routes.router)
    app.include_router(profile_routes.router)
    app.include_router(glossary_routes.router)
    app.include_router(classification_routes.router)
    app.include_router(incidents_routes.router)
    app.include_router(agreements_routes.router)
    app.include_router(subscriptions_routes.router)
    app.include_router(intake_routes.router)
    app.include_router(council_routes.router)

    app.add_middleware(BodyGuard, max_bytes=platform.settings.max_body_bytes, raw_paths=RAW_BODY_PATHS)
    return app


def _scim_application(platform: Platform) -> Any:
    from lakemesh.api import scim  # scim2-server and its models: ~1 s of imports most servers never need

    token = platform.settings.scim_token
    return scim.application(platform.directory, token.get_secret_value() if token else None)


class BuiltOnFirstUse:
    """An ASGI application built when its first request comes, so start-up does not pay for it."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._app is None:
            self._app = self._build()
        await self._app(scope, receive, send)
