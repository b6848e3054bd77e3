"""Liveness and readiness without authentication; which replica leads, for platform admins."""

from __future__ import annotations

import anyio
import anyio.to_thread
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from lakemesh.api.deps import Caller, PlatformDep
from lakemesh.catalog import migrate
from lakemesh.core.errors import Forbidden, NotFound
from lakemesh.platform import Platform

router = APIRouter(tags=["health"])


# Readiness checks run on their own limiter: when heavy requests hold the shared worker threads, a probe still
# gets a thread at once instead of queueing behind them (and a load balancer taking the replica out of service).
_PROBES = anyio.CapacityLimiter(4)


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    # async: answered on the event loop, never waits for a worker thread
    return {"status": "ok"}


def _catalog_ready(platform: Platform) -> bool:
    with platform.catalog.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return migrate.is_current(platform.catalog)


@router.get("/readyz", summary="Ready to serve: the catalog answers and is migrated")
async def readyz(platform: PlatformDep) -> JSONResponse:
    try:
        current = await anyio.to_thread.run_sync(_catalog_ready, platform, limiter=_PROBES)
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


@router.get(
    "/api/v1/sso",
    summary="How to sign in with the company identity provider",
    description="Public, like a discovery document: the issuer, the client id and scopes `lakemesh login` uses. "
    "404 when single sign-on is not configured.",
)
async def single_sign_on(platform: PlatformDep) -> dict[str, str]:
    idp = platform.idp
    if idp is None:
        raise NotFound("Single sign-on is not configured on this server")
    config = idp.config
    return {
        "issuer": config.issuer,
        "client_id": config.cli_client_id,
        "scopes": config.scopes,
        "provider_name": config.provider_name,
    }
