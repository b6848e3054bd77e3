"""The audit log."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query

from lakemesh.api.deps import Caller, Cursor, Limit, PlatformDep
from lakemesh.audit.models import AuditEntry, AuditQuery
from lakemesh.core.pages import DEFAULT_LIMIT, Page

router = APIRouter(prefix="/api/v1", tags=["audit"])


@router.get(
    "/audit",
    summary="Read the audit log",
    description="Newest first. Platform admins see everything; domain Admins see their domains.",
)
def list_audit(
    platform: PlatformDep,
    caller: Caller,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    actor: str | None = None,
    action: str | None = Query(default=None, description="Exact action or a prefix ending in `.`"),
    domain: str | None = None,
    resource_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Page[AuditEntry]:
    query = AuditQuery(actor=actor, action=action, domain=domain, resource_type=resource_type, since=since, until=until)
    return platform.audit.list(caller, query, limit=limit, cursor=cursor)
