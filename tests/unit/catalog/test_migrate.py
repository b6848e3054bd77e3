"""The catalog's schema revision: the fast start-up check agrees with Alembic's own view."""

from __future__ import annotations

from lakemesh.catalog import migrate
from lakemesh.platform import Platform


def test_head_constant_is_the_newest_migration_script(platform: Platform) -> None:
    assert migrate.head_revision(platform.catalog) == migrate.HEAD


def test_a_migrated_catalog_is_current_and_an_old_one_is_not(platform: Platform) -> None:
    assert migrate.current_revision(platform.catalog) == migrate.HEAD
    assert migrate.is_current(platform.catalog)
    migrate.downgrade(platform.catalog, "-1")
    assert not migrate.is_current(platform.catalog)
    migrate.upgrade(platform.catalog)
    assert migrate.is_current(platform.catalog)
