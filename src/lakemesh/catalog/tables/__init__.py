"""Every catalog table, imported here so Alembic sees one metadata."""

# Capability modules register their tables on Base.metadata when imported.
from lakemesh.catalog.tables import access, governance, pipelines, quality, scheduling, semantic, sharing  # noqa: F401
from lakemesh.catalog.tables.audit import AuditRow, OutboxCursorRow, OutboxRow
from lakemesh.catalog.tables.auth import PrincipalRow, RoleAssignmentRow, TokenRow, WebSessionRow
from lakemesh.catalog.tables.base import Base
from lakemesh.catalog.tables.domains import DomainRow
from lakemesh.catalog.tables.lakehouses import LakehouseRow, TableRow, TemplateRow
from lakemesh.catalog.tables.products import ProductRow, ProductVersionRow

__all__ = [
    "AuditRow",
    "Base",
    "DomainRow",
    "LakehouseRow",
    "OutboxCursorRow",
    "OutboxRow",
    "PrincipalRow",
    "ProductRow",
    "ProductVersionRow",
    "RoleAssignmentRow",
    "TableRow",
    "TemplateRow",
    "TokenRow",
    "WebSessionRow",
]
