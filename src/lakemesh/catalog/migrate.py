"""Alembic, driven from code: `lakemesh db upgrade/downgrade` and `serve --migrate` call these."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from lakemesh.catalog.db import Catalog

_SCRIPTS = Path(__file__).parent / "migrations"


def _config(catalog: Catalog) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.set_main_option("sqlalchemy.url", catalog.url.replace("%", "%%"))
    config.attributes["engine"] = catalog.engine
    return config


def upgrade(catalog: Catalog, revision: str = "head") -> None:
    command.upgrade(_config(catalog), revision)


def downgrade(catalog: Catalog, revision: str) -> None:
    command.downgrade(_config(catalog), revision)


def current_revision(catalog: Catalog) -> str | None:
    with catalog.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(catalog: Catalog) -> str | None:
    return ScriptDirectory.from_config(_config(catalog)).get_current_head()


def is_current(catalog: Catalog) -> bool:
    return current_revision(catalog) == head_revision(catalog)
