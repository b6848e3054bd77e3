"""Alembic, driven from code: `lakemesh db upgrade/downgrade` and `serve --migrate` call these.

Alembic is imported only when a migration really runs: a server starting on a current catalog checks the
revision with one query against `HEAD` (a test keeps `HEAD` equal to the newest migration script).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text

from lakemesh.catalog.db import Catalog

if TYPE_CHECKING:
    from alembic.config import Config

HEAD = "0023"
_SCRIPTS = Path(__file__).parent / "migrations"


def _config(catalog: Catalog) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.set_main_option("sqlalchemy.url", catalog.url.replace("%", "%%"))
    config.attributes["engine"] = catalog.engine
    return config


def upgrade(catalog: Catalog, revision: str = "head") -> None:
    if revision == "head" and current_revision(catalog) == HEAD:
        return
    from alembic import command

    command.upgrade(_config(catalog), revision)


def downgrade(catalog: Catalog, revision: str) -> None:
    from alembic import command

    command.downgrade(_config(catalog), revision)


def current_revision(catalog: Catalog) -> str | None:
    with catalog.engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def head_revision(catalog: Catalog) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config(catalog)).get_current_head()


def is_current(catalog: Catalog) -> bool:
    return current_revision(catalog) == HEAD
