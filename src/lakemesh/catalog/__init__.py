"""The metadata store: SQLAlchemy 2 tables, the Catalog (engine + transactions) and Alembic migrations."""

from lakemesh.catalog.db import Catalog

__all__ = ["Catalog"]
