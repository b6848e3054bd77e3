"""Shared fixtures: a Platform per test on SQLite (default) or PostgreSQL (LAKEMESH_TEST_CATALOG_URL)."""

from __future__ import annotations

import inspect
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lakemesh.catalog import Catalog, migrate
from lakemesh.catalog.tables.base import Base
from lakemesh.core.clock import FrozenClock
from lakemesh.core.settings import Settings
from lakemesh.mesh import Mesh
from lakemesh.platform import Platform

PG_BASE = os.environ.get("LAKEMESH_TEST_CATALOG_URL")  # e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres

# CI (`scripts/test`, `--hypothesis-profile=ci`): the same examples on every run, so a red build is the code's doing
# and reproduces, never the luck of one draw or a slow moment on a shared machine (no test asserts timing). Local
# runs keep the random default, which keeps finding new inputs.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)

CATALOG_FREE = "catalog_free"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{CATALOG_FREE}: never reaches the catalog backend under test (set by conftest)"
    )


def _reads_the_backend(module: ModuleType | None, seen: set[str] | None = None) -> bool:
    """Whether a test module, or a tests.* module it imports from (browser_support, ...), reads PG_BASE itself."""
    if module is None or module.__name__ == __name__:  # here only `pg_catalog_url` hands PG_BASE on
        return False
    seen = set() if seen is None else seen
    seen.add(module.__name__)
    if "PG_BASE" in vars(module):
        return True
    sources = {inspect.getmodule(value) for value in vars(module).values() if not isinstance(value, str | int)}
    return any(
        _reads_the_backend(source, seen)
        for source in sources
        if source is not None and source.__name__.startswith("tests.") and source.__name__ not in seen
    )


def _fixture_definitions(item: pytest.Function) -> tuple[set[str], list[pytest.FixtureDef[object]]]:
    """Every fixture a test reaches, overridden ones included (pytest's own closure stops at an override)."""
    manager = item.session._fixturemanager
    names: set[str] = set()
    definitions: list[pytest.FixtureDef[object]] = []
    todo = list(item.fixturenames)
    while todo:
        name = todo.pop()
        if name in names:
            continue
        names.add(name)
        for definition in manager.getfixturedefs(name, item) or ():
            definitions.append(definition)
            todo.extend(definition.argnames)
    return names, definitions


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks `catalog_free` every test the catalog backend cannot change: `scripts/test` runs those on SQLite only.

    Mechanical, from what a test is built of: LAKEMESH_TEST_CATALOG_URL reaches a test only through the
    `pg_catalog_url` fixture (settings, platform, admin, mesh, ... all build on it) or through a module that reads
    PG_BASE itself (servers of their own, browser fixtures, backups). A test with neither among the fixtures it
    reaches, nor in its own module or the tests.* modules it imports from, runs the same code on both passes.
    """
    for item in items:
        if not isinstance(item, pytest.Function):
            continue
        names, definitions = _fixture_definitions(item)
        if "pg_catalog_url" in names:
            continue
        modules = {item.module} | {inspect.getmodule(d.func) for d in definitions}
        if not any(_reads_the_backend(m) for m in modules):
            item.add_marker(CATALOG_FREE)


def create_pg_database(base_url: str, prefix: str = "lakemesh_test") -> str:
    """A fresh database on the test server; returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    engine = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(base_url: str, url: str) -> None:
    name = make_url(url).database
    engine = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session")
def pg_catalog_url() -> Iterator[str | None]:
    """One migrated PostgreSQL database for the session; tests truncate it instead of re-creating it."""
    if not PG_BASE:
        yield None
        return
    url = create_pg_database(PG_BASE)
    catalog = Catalog(url)
    migrate.upgrade(catalog)
    catalog.dispose()
    yield url
    drop_pg_database(PG_BASE, url)


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def settings(tmp_path: Path, pg_catalog_url: str | None) -> Settings:
    if pg_catalog_url:
        _truncate_all(pg_catalog_url)
    return Settings(home=tmp_path / "home", catalog_url=pg_catalog_url, data_root=None)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def platform(settings: Settings) -> Iterator[Platform]:
    platform = Platform(settings)
    platform.initialize()
    yield platform
    platform.close()


@pytest.fixture
def admin(platform: Platform) -> Mesh:
    """The bootstrap platform admin, in-process."""
    return Mesh(platform, platform.principals.bootstrap_admin())


def user(admin: Mesh, name: str) -> Mesh:
    """A new principal and an in-process Mesh acting as it."""
    admin.create_principal(name)
    return admin.as_principal(admin.create_token(principal=name).secret)
