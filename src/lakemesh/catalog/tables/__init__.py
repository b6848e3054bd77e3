"""Every catalog table, imported here so Alembic sees one metadata.

Rows are imported from their owner's module (`lakemesh.catalog.tables.products`, …), never from this package:
import-linter lets only the owning capability (and the catalog) import a table module (see pyproject.toml).
"""

# Capability modules register their tables on Base.metadata when imported.
from lakemesh.catalog.tables import (  # noqa: F401
    access,
    agreements,
    audit,
    auth,
    classification,
    council,
    discovery,
    domains,
    glossary,
    governance,
    incidents,
    intake,
    lakehouses,
    lineage,
    pipelines,
    products,
    quality,
    scheduling,
    semantic,
    sharing,
    subscriptions,
    templates,
)
from lakemesh.catalog.tables.base import Base

__all__ = ["Base"]
