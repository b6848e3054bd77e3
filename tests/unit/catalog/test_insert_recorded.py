"""`insert_recorded`: rows, their audit row and their outbox event land together or not at all, on both
catalogs (on PostgreSQL they are one statement of data-modifying CTEs)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lakemesh.catalog.journal import insert_recorded
from lakemesh.catalog.tables.audit import AuditRow, OutboxRow
from lakemesh.catalog.tables.auth import PrincipalRow, ScimIdentityRow
from lakemesh.mesh import Mesh


def principal(principal_id: str, name: str, now: datetime) -> dict[str, object]:
    return {"id": principal_id, "name": name, "key": name.lower(), "kind": "user", "created_at": now}


def identity(principal_id: str, now: datetime) -> dict[str, object]:
    return {"principal_id": principal_id, "version": 1, "updated_at": now, "attributes": {"title": "Analyst"}}


def test_rows_audit_and_event_are_written_together(admin: Mesh) -> None:
    catalog, now = admin.platform.catalog, datetime.now(UTC)
    for n in range(2):  # the second write reuses the statement built for the first
        with catalog.transaction() as session:
            insert_recorded(
                session,
                [
                    (PrincipalRow, principal(f"prn_t{n}", f"Tess{n}", now)),
                    (ScimIdentityRow, identity(f"prn_t{n}", now)),
                ],
                at=now,
                actor="scim",
                action="principal.created",
                resource_type="principal",
                resource_id=f"prn_t{n}",
                resource_name="T" * 300,
                after={"scim": True},
            )
    with catalog.read() as session:
        assert session.get_one(ScimIdentityRow, "prn_t1").attributes == {"title": "Analyst"}
        audit = session.scalars(select(AuditRow).where(AuditRow.resource_id == "prn_t1")).one()
        assert audit.summary == {"after": {"scim": True}} and len(audit.resource_name or "") == 256
        event = session.scalars(select(OutboxRow).where(OutboxRow.resource_id == "prn_t1")).one()
        assert (event.type, event.payload) == ("principal.created", {"scim": True})


def test_a_failing_row_leaves_nothing_behind(admin: Mesh) -> None:
    catalog, now = admin.platform.catalog, datetime.now(UTC)
    with catalog.read() as session:
        events = session.scalar(select(func.count()).select_from(OutboxRow))
    with pytest.raises(IntegrityError), catalog.transaction() as session:
        insert_recorded(
            session,
            [(PrincipalRow, principal("prn_dup", "admin", now))],  # the bootstrap admin holds this key
            at=now,
            actor="scim",
            action="principal.created",
            resource_type="principal",
            resource_id="prn_dup",
        )
    with catalog.read() as session:
        assert session.get(PrincipalRow, "prn_dup") is None
        assert session.scalar(select(func.count()).select_from(OutboxRow)) == events
