"""Shared fixtures: a Platform per test on SQLite (default) or PostgreSQL (LAKEMESH_TEST_CATALOG_URL)."""

from __future__ import annotations

import copy
import inspect
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import CodeType, ModuleType
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lakemesh.api import openapi as openapi_document
from lakemesh.catalog import Catalog, migrate
from lakemesh.catalog.tables.base import Base
from lakemesh.core.clock import FrozenClock
from lakemesh.core.settings import Settings
from lakemesh.mesh import Mesh
from lakemesh.platform import Platform
from tests.pg_template import migrated_template

if TYPE_CHECKING:
    from fastapi import FastAPI

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


def _names_in(code: CodeType) -> set[str]:
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, CodeType):  # nested functions, comprehensions, lambdas
            names |= _names_in(constant)
    return names


def _reads_the_backend(function: object, seen: set[int] | None = None) -> bool:
    """Whether a test or fixture function names PG_BASE, or calls a tests.* function or module that does."""
    if callable(function):
        function = inspect.unwrap(function)  # a @contextmanager's own code, not contextlib's
    code = getattr(function, "__code__", None)
    seen = set() if seen is None else seen
    if code is None or id(function) in seen:
        return False
    seen.add(id(function))
    found: dict[str, object] = getattr(function, "__globals__", {})
    names = _names_in(code)
    if "PG_BASE" in names and found.get("PG_BASE") is PG_BASE:
        return True
    for name in names:
        value = found.get(name)
        if isinstance(value, ModuleType) and value.__name__.startswith("tests."):
            if "PG_BASE" in vars(value):  # `browser_support.start(...)`: the module as a whole, to be safe
                return True
        elif getattr(value, "__module__", "").startswith("tests.") and _reads_the_backend(value, seen):
            return True
    return False


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
    `pg_catalog_url` fixture (settings, platform, admin, mesh, ... all build on it) or through code that names
    PG_BASE itself (servers of their own, browser fixtures, backups). A test with neither among the fixtures it
    reaches, nor in its own code or the fixtures' and the tests.* helpers they call, runs the same code on both
    passes.
    """
    for item in items:
        if not isinstance(item, pytest.Function):
            continue
        names, definitions = _fixture_definitions(item)
        if "pg_catalog_url" in names:
            continue
        if not any(_reads_the_backend(f) for f in [item.function, *(d.func for d in definitions)]):
            item.add_marker(CATALOG_FREE)


def _route_key(route: object) -> tuple[object, ...]:
    methods = getattr(route, "methods", None)
    endpoint = getattr(route, "endpoint", None)  # routes made inside functions: a new function per app, same code
    code = getattr(endpoint, "__code__", None)
    return type(route), getattr(route, "path", None), tuple(sorted(methods or ())), getattr(route, "name", None), code


@pytest.fixture(scope="session", autouse=True)
def _one_openapi_document_per_app_shape() -> Iterator[None]:
    """Builds the OpenAPI document once per worker, not once per app: every in-process app (`create_app`) builds it
    on its first request (the strict-scalars check reads it), about 2.5 s of CPU each. The document depends only on
    the app's routes and titles, so an app with the same routes gets a copy of the one built first, produced by the
    same code (`openapi.install`), which the document's own tests keep checking."""
    install = openapi_document.install
    built: dict[tuple[object, ...], dict[str, object]] = {}

    def install_cached(app: FastAPI) -> None:
        install(app)
        build = app.openapi

        def cached() -> dict[str, object]:
            if app.openapi_schema is None:
                key = (app.title, app.version, app.description, *map(_route_key, app.routes))
                if key not in built:
                    built[key] = copy.deepcopy(build())
                app.openapi_schema = copy.deepcopy(built[key])
            return app.openapi_schema

        app.openapi = cached  # type: ignore[method-assign]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(openapi_document, "install", install_cached)
        yield


def create_pg_database(base_url: str, prefix: str = "lakemesh_test", *, migrated: bool = False) -> str:
    """A fresh database on the test server, empty or (`migrated`) a copy of the migrated template; returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    template = f' TEMPLATE "{migrated_template(base_url)}"' if migrated else ""
    engine = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"{template}'))
        # Commits return without waiting for the WAL to reach the disk (~4-5 ms each on the shared test server,
        # 0.3 ms without): what every session sees is unchanged, only an OS crash could lose the last commits of
        # a database that is thrown away anyway. The test server's other databases keep their settings.
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
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
    """One migrated PostgreSQL database for the session; tests empty it instead of re-creating it."""
    if not PG_BASE:
        yield None
        return
    url = create_pg_database(PG_BASE, migrated=True)
    yield url
    drop_pg_database(PG_BASE, url)


def _empty_all(url: str) -> None:
    """Every catalog table emptied and every identity sequence back at 1, as on a fresh migrated database.

    DELETE, children first, not TRUNCATE: a test leaves a handful of rows, and deleting them takes ~20 ms, while
    TRUNCATE ... RESTART IDENTITY of the 63 tables swaps ~270 files (tables, indexes, TOAST) for new ones, 0.6-2.5 s
    in every test that builds a platform (measured on the local server); `setval` resets the identities in place.
    """
    engine = create_engine(url)
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
        connection.execute(text(_RESET_IDENTITIES))
    engine.dispose()


# Every sequence owned by a column of the catalog, restarted so that its next value is 1.
_RESET_IDENTITIES = """
SELECT setval(sequence.oid, 1, false)
FROM pg_class AS sequence JOIN pg_namespace AS namespace ON namespace.oid = sequence.relnamespace
WHERE sequence.relkind = 'S' AND namespace.nspname = current_schema()
"""


@pytest.fixture
def settings(tmp_path: Path, pg_catalog_url: str | None) -> Settings:
    if pg_catalog_url:
        _empty_all(pg_catalog_url)
    return Settings(home=tmp_path / "home", catalog_url=pg_catalog_url, data_root=None)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture(scope="session")
def _migrated_sqlite_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite catalog migrated to head per worker, for `platform` to start from (a copy, so each test still has
    its own): migrating a fresh SQLite catalog costs ~0.2 s of CPU, in every test that builds a platform."""
    home = tmp_path_factory.mktemp("migrated-catalog")
    catalog = Catalog(f"sqlite:///{home / 'catalog.db'}")
    migrate.upgrade(catalog)
    catalog.dispose()
    assert [p.name for p in home.iterdir()] == ["catalog.db"], "the template catalog is one file, checkpointed"
    return home / "catalog.db"


@pytest.fixture
def platform(settings: Settings, _migrated_sqlite_catalog: Path) -> Iterator[Platform]:
    if settings.catalog_url is None and not settings.home.exists():  # SQLite: start from the migrated copy
        settings.home.mkdir(parents=True, mode=0o700)
        shutil.copyfile(_migrated_sqlite_catalog, settings.home / "catalog.db")
    platform = Platform(settings)
    platform.initialize()  # migrates what the copy lacks (nothing), as on any existing home
    yield platform
    platform.close()


@contextmanager
def platform_of_its_own(home: Path, migrated_sqlite_catalog: Path) -> Iterator[Platform]:
    """A platform on a catalog nobody else uses, for a fixture wider than one test (a module's shared, read-only
    world): on PostgreSQL a database copied from the migrated template (the session's catalog is emptied by every
    test's `settings`), on SQLite a copy of the migrated catalog in `home`. Dropped afterwards."""
    catalog_url = create_pg_database(PG_BASE, "lakemesh_shared", migrated=True) if PG_BASE else None
    try:
        if catalog_url is None:
            home.mkdir(parents=True, mode=0o700)
            shutil.copyfile(migrated_sqlite_catalog, home / "catalog.db")
        platform = Platform(Settings(home=home, catalog_url=catalog_url, data_root=None))
        try:
            platform.initialize()
            yield platform
        finally:
            platform.close()
    finally:
        if PG_BASE and catalog_url:
            drop_pg_database(PG_BASE, catalog_url)


@pytest.fixture
def admin(platform: Platform) -> Mesh:
    """The bootstrap platform admin, in-process."""
    return Mesh(platform, platform.principals.bootstrap_admin())


def user(admin: Mesh, name: str) -> Mesh:
    """A new principal and an in-process Mesh acting as it."""
    admin.create_principal(name)
    return admin.as_principal(admin.create_token(principal=name).secret)
