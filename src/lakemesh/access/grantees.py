"""Who holds an active grant on a product: for capabilities above (subscriptions) that must not read grant rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lakemesh.catalog.tables.access import GrantRow


def active_grantees(
    session: Session, product_id: str, now: datetime, *, granted_by: datetime | None = None
) -> list[tuple[str, str, str]]:
    """(kind, id, name) of every principal or domain with an unrevoked, unexpired grant on the product (granted
    at or before `granted_by`, when given)."""
    query = select(GrantRow.grantee_kind, GrantRow.grantee_id, GrantRow.grantee).where(
        GrantRow.product_id == product_id,
        GrantRow.revoked_at.is_(None),
        GrantRow.expired_at.is_(None),
        or_(GrantRow.expires_at.is_(None), GrantRow.expires_at > now),
    )
    if granted_by is not None:
        query = query.where(GrantRow.created_at <= granted_by)
    rows = session.execute(query.distinct()).all()
    return [(str(kind), str(grantee_id), str(name)) for kind, grantee_id, name in rows]


def is_grantee(session: Session, product_id: str, kind: str, grantee_id: str, now: datetime) -> bool:
    return (kind, grantee_id) in {(k, i) for k, i, _ in active_grantees(session, product_id, now)}
