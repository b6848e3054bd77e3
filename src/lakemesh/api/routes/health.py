"""Liveness and readiness without authentication; which replica leads, for platform admins."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from lakemesh.api.deps import Caller, PlatformDep
from lakemesh.catalog import migrate
from lakemesh.core.errors import Forbidden

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


@router.get(
    "/api/v1/replica",
    summary="This replica's id and whether it leads (runs the scheduled jobs)",
    description="Platform admins only: replica ids name hosts. With SQLite the single process always leads.",
)
def replica(platform: PlatformDep, caller: Caller) -> dict[str, object]:
    if not caller.is_platform_admin:
        raise Forbidden("Only platform admins can read replica state")
    leadership = platform.scheduler.leadership
    if leadership is None:
        return {"replica": None, "leader": True, "leader_since": None}
    since = leadership.since.isoformat() if leadership.since is not None else None
    return {"replica": leadership.replica_id, "leader": leadership.is_leader, "leader_since": since}
