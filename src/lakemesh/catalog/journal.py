"""Writes the audit row and the outbox event of a mutation inside the mutation's own transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Executable, bindparam, insert
from sqlalchemy.orm import Session

from lakemesh.catalog.db import WROTE_EVENTS
from lakemesh.catalog.tables.audit import AuditRow, OutboxRow
from lakemesh.catalog.tables.base import Base

NAME_LENGTH: int = AuditRow.__table__.c.resource_name.type.length  # type: ignore[attr-defined]
_AUDIT_INSERT = insert(AuditRow)


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


def publish(
    session: Session,
    *,
    at: datetime,
    type: str,
    domain: str | None,
    resource_type: str,
    resource_id: str,
    payload: dict[str, Any],
) -> None:
    """An outbox event with no audit row (`record` writes both for user actions), for system notices such as
    governance notifications."""
    session.add(
        OutboxRow(
            at=at, type=type, actor=None, domain=domain, resource_type=resource_type, resource_id=resource_id,
            payload=payload,
        )
    )  # fmt: skip


def audit_only(
    session: Session,
    *,
    at: datetime,
    actor: str | None,
    action: str,
    resource_type: str,
    resource_id: str,
    resource_name: str | None,
    domain: str | None,
    summary: dict[str, Any],
) -> None:
    """An audit row with no outbox event, for reads that are audited but change nothing others follow (governed
    queries, Delta Sharing downloads). One INSERT on the session's connection, no ORM unit of work: on a point
    lookup the unit of work cost more than the insert."""
    session.connection().execute(
        _AUDIT_INSERT,
        {
            "at": at, "actor": actor, "action": action, "resource_type": resource_type, "resource_id": resource_id,
            "resource_name": resource_name, "domain": domain, "summary": summary,
        },
    )  # fmt: skip


def insert_recorded(
    session: Session,
    rows: Sequence[tuple[type[Base], dict[str, Any]]],
    *,
    at: datetime,
    actor: str | None,
    action: str,
    resource_type: str,
    resource_id: str,
    resource_name: str | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Insert `rows` (in order: parents first) with the mutation's audit row and outbox event, as `record` does,
    but straight through the session's connection: no ORM unit of work, and on PostgreSQL one statement (the
    inserts as data-modifying CTEs) instead of a round trip each. For hot writes such as a SCIM create, where
    the flush and the round trips cost more than the inserts themselves."""
    audit, outbox = _rows(at, actor, action, resource_type, resource_id, resource_name, None, None, after, None)
    inserts: list[tuple[type[Base], dict[str, Any]]] = [*rows, (AuditRow, audit), (OutboxRow, outbox)]
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        inserts = [(model, _with_defaults(model, values)) for model, values in inserts]
        shape = tuple((model, tuple(values)) for model, values in inserts)
        statement = _COMBINED.get(shape)
        if statement is None:
            statement = _COMBINED[shape] = _combined(shape)
        connection.execute(
            statement, {f"r{i}_{k}": v for i, (_, values) in enumerate(inserts) for k, v in values.items()}
        )
    else:  # SQLite has no data-modifying CTEs; its statements cost no round trip
        for model, values in inserts:
            connection.execute(insert(model), values)
    session.info.setdefault(WROTE_EVENTS, set()).add((action, resource_type))


# One statement per shape of insert (tables and columns), built once so SQLAlchemy's compiled cache serves it.
_COMBINED: dict[tuple[tuple[type[Base], tuple[str, ...]], ...], Executable] = {}


def _with_defaults(model: type[Base], values: dict[str, Any]) -> dict[str, Any]:
    """`values` with the Python-side defaults of the columns not given: SQLAlchemy applies them to a plain insert
    but not to the inserts inside CTEs."""
    missing = {}
    for column in model.__table__.c:
        default = column.default
        if column.key in values or default is None or not (default.is_scalar or default.is_callable):
            continue
        missing[column.key] = default.arg if default.is_scalar else default.arg(None)
    return values | missing if missing else values


def _combined(shape: tuple[tuple[type[Base], tuple[str, ...]], ...]) -> Executable:
    statements = [
        insert(model).values({c: bindparam(f"r{i}_{c}", type_=model.__table__.c[c].type) for c in columns})
        for i, (model, columns) in enumerate(shape)
    ]
    *ctes, last = statements
    return last.add_cte(*(cte.cte(f"write_{i}") for i, cte in enumerate(ctes)))


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
