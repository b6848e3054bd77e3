"""Every catalog table, imported here so Alembic sees one metadata."""

from lakemesh.catalog.tables.audit import AuditRow, OutboxCursorRow, OutboxRow
from lakemesh.catalog.tables.auth import PrincipalRow, RoleAssignmentRow, TokenRow
from lakemesh.catalog.tables.base import Base
from lakemesh.catalog.tables.domains import DomainRow

__all__ = [
    "AuditRow",
    "Base",
    "DomainRow",
    "OutboxCursorRow",
    "OutboxRow",
    "PrincipalRow",
    "RoleAssignmentRow",
    "TokenRow",
]
