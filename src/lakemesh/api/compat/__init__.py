"""Fabric, Purview and Power BI compatible REST: each a sub-application that only translates.

Names, shapes and errors in; calls of the same services the native API uses out, under the same bearer
token, roles, grants, audit and events. See docs/compat.md for every operation and its mapping.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request

from lakemesh.api.compat import (
    errors,
    fabric_items,
    fabric_tables,
    fabric_workspaces,
    powerbi,
    purview_entities,
    purview_policies,
    purview_search,
    unity_catalog,
)

FABRIC_PREFIX = "/fabric/v1"
POWERBI_PREFIX = "/powerbi/v1.0/myorg"
PURVIEW_PREFIX = "/purview"
UNITY_CATALOG_PREFIX = "/api/2.1/unity-catalog"
PREFIXES = {"Fabric": FABRIC_PREFIX, "Purview": PURVIEW_PREFIX, "Power BI": POWERBI_PREFIX}
PREFIXES["Unity Catalog"] = UNITY_CATALOG_PREFIX

_fallback = APIRouter()


@_fallback.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
def _unsupported(request: Request, rest: str) -> None:
    """Anything Lakemesh does not translate says so (501), never a silent success or a bare 404."""
    raise errors.not_supported(f"{request.method} /{rest}")


def _purview_routers() -> list[APIRouter]:
    """The Atlas and search routes under both of Purview's path families (catalog and Data Map)."""
    routers = [purview_policies.router]
    for family in ("/catalog/api", "/datamap/api"):
        atlas, search = APIRouter(prefix=f"{family}/atlas/v2"), APIRouter(prefix=family)
        atlas.include_router(purview_entities.router)
        search.include_router(purview_search.router)
        routers += [atlas, search]
    return routers


def _surface(parent: FastAPI, title: str, routers: list[APIRouter], render: errors.Render) -> FastAPI:
    app = FastAPI(title=f"Lakemesh: {title}", docs_url=None, redoc_url=None)
    app.state.platform = parent.state.platform
    app.state.heavy_slots = parent.state.heavy_slots  # one pool of heavy slots, shared with the native API
    errors.install(app, render)
    for router in [*routers, _fallback]:
        app.include_router(router)
    return app


def mount(app: FastAPI) -> None:
    """The one line `api/app.py` calls: every compatible surface at its documented prefix."""
    fabric = [fabric_workspaces.router, fabric_items.router, fabric_tables.router]
    fabric_app = _surface(app, "Fabric REST v1", fabric, errors.fabric_error)
    fabric_app.state.fabric_operations = fabric_tables.Operations()
    app.mount(FABRIC_PREFIX, fabric_app)
    app.mount(PURVIEW_PREFIX, _surface(app, "Purview", _purview_routers(), errors.atlas_error))
    app.mount(POWERBI_PREFIX, _surface(app, "Power BI REST", [powerbi.router], errors.powerbi_error))
    unity = _surface(app, "Unity Catalog REST (read subset)", [unity_catalog.router], unity_catalog.unity_error)
    app.mount(UNITY_CATALOG_PREFIX, unity)  # docs/engines.md
