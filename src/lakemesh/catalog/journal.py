"""Writes the audit row and the outbox event of a mutation inside the mutation's own transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from lakemesh.catalog.db import WROTE_EVENTS
from lakemesh.catalog.tables.audit import AuditRow, OutboxRow

NAME_LENGTH: int = AuditRow.__table__.c.resource_name.type.length  # type: ignore[attr-defined]


def record(
    session: Session,
    *,
    at: datetime,
    actor: str | None,
    action: str,
    resource_type: str,
    resource_id: str,
    resource_name: str | None = None,
    domain: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """`action` is the event type too (`domain.created`); the summary keeps before/after for the audit."""
    audit, outbox = _rows(at, actor, action, resource_type, resource_id, resource_name, domain, before, after, payload)
    session.add(AuditRow(**audit))
    session.add(OutboxRow(**outbox))
    session.info.setdefault(WROTE_EVENTS, set()).add((action, resource_type))


def record_now(
    session: Session,
    *,
    at: datetime,
    actor: str | None,
    action: str,
    resource_type: str,
    resource_id: str,
    resource_name: str | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """As `record`, but inserted at once through the session's connection, not the ORM's unit of work: for hot
    writes (a SCIM create) whose own rows are inserted the same way, where the flush cost more than the inserts."""
    audit, outbox = _rows(at, actor, action, resource_type, resource_id, resource_name, None, None, after, None)
    connection = session.connection()
    connection.execute(_INSERT_AUDIT, audit)
    connection.execute(_INSERT_OUTBOX, outbox)
    session.info.setdefault(WROTE_EVENTS, set()).add((action, resource_type))


_INSERT_AUDIT = insert(AuditRow)
_INSERT_OUTBOX = insert(OutboxRow)


def _rows(
    at: datetime,
    actor: str | None,
    action: str,
    resource_type: str,
    resource_id: str,
    resource_name: str | None,
    domain: str | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    payload: dict[str, Any] | None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    summary: dict[str, Any] = {}
    if before is not None:
        summary["before"] = before
    if after is not None:
        summary["after"] = after
    audit = {
        "at": at,
        "actor": actor,
        "action": action,
        "resource_type": resource_type,
        "resource_id": resource_id,
        "resource_name": _fitted(resource_name),
        "domain": domain,
        "summary": _jsonable(summary),
    }
    outbox = {
        "at": at,
        "type": action,
        "actor": actor,
        "domain": domain,
        "resource_type": resource_type,
        "resource_id": resource_id,
        "payload": _jsonable(payload if payload is not None else after or {}),
    }
    return audit, outbox


def _fitted(name: str | None) -> str | None:
    """A display name cut to the audit column (PostgreSQL refuses a longer one; the id names the resource)."""
    if name is None or len(name) <= NAME_LENGTH:
        return name
    return name[: NAME_LENGTH - 1] + "…"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
