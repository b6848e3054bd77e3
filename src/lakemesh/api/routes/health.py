"""Liveness and readiness, without authentication."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from lakemesh.api.deps import PlatformDep
from lakemesh.catalog import migrate

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Ready to serve: the catalog answers and is migrated")
def readyz(platform: PlatformDep) -> JSONResponse:
    try:
        with platform.catalog.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current = migrate.is_current(platform.catalog)
    except Exception as exc:
        return JSONResponse({"status": "unavailable", "detail": type(exc).__name__}, status_code=503)
    if not current:
        return JSONResponse({"status": "unavailable", "detail": "catalog needs `lakemesh db upgrade`"}, status_code=503)
    return JSONResponse({"status": "ready"})
