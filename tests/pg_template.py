"""A migrated template database on the PostgreSQL test server, so test catalogs are copied instead of migrated.

Migrating a fresh catalog runs all the migrations (~3 s on the test server); `CREATE DATABASE ... TEMPLATE` copies a
migrated one in ~0.1-0.2 s. The template is built once and kept: its name carries a digest of everything that shapes
the schema (the migration scripts, the column types they use, the Alembic and SQLAlchemy versions), so a changed
migration gets a template of its own, and test runs of different branches on one server never share a wrong one.
"""

from __future__ import annotations

import hashlib
import uuid
from functools import cache
from pathlib import Path

import alembic
import sqlalchemy
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url

import lakemesh.catalog.tables.base as column_types
from lakemesh.catalog import Catalog, migrate

PREFIX = "lakemesh_template_"


def schema_digest() -> str:
    """What the template's schema depends on: changes when a migration (or how one is run) changes."""
    digest = hashlib.sha256(f"{alembic.__version__} {sqlalchemy.__version__}".encode())
    scripts = Path(migrate.__file__).parent / "migrations"
    for path in [*sorted(p for p in scripts.rglob("*") if p.is_file() and "__pycache__" not in p.parts)]:
        digest.update(str(path.relative_to(scripts)).encode() + b"\0" + path.read_bytes())
    digest.update(Path(column_types.__file__).read_bytes())
    return digest.hexdigest()[:16]


@cache  # per process: each xdist worker asks the server once
def migrated_template(base_url: str) -> str:
    """The name of the migrated template database for this schema, built on first use.

    Built under an advisory lock (xdist workers and concurrent runs on one server wait for one build), under a
    temporary name, and renamed only once migrated: a run killed halfway never leaves a half-migrated template.
    Nobody may connect to it afterwards (`ALLOW_CONNECTIONS false`): PostgreSQL copies a database only while no
    session is connected to it.
    """
    name = f"{PREFIX}{schema_digest()}"
    engine = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(hashtext(:name))"), {"name": name})
            try:
                if not _exists(connection, name):
                    _build(connection, base_url, name)
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(hashtext(:name))"), {"name": name})
    finally:
        engine.dispose()
    return name


def _exists(connection: Connection, name: str) -> bool:
    found = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
    return found.first() is not None


def _build(connection: Connection, base_url: str, name: str) -> None:
    for (leftover,) in connection.execute(
        text("SELECT datname FROM pg_database WHERE starts_with(datname, :prefix)"), {"prefix": f"{name}_building_"}
    ).all():  # a build killed halfway, under this lock: nobody else is building this digest
        connection.execute(text(f'DROP DATABASE IF EXISTS "{leftover}" WITH (FORCE)'))
    building = f"{name}_building_{uuid.uuid4().hex[:8]}"
    connection.execute(text(f'CREATE DATABASE "{building}"'))
    catalog = Catalog(make_url(base_url).set(database=building).render_as_string(hide_password=False))
    try:
        migrate.upgrade(catalog)
    finally:
        catalog.dispose()
    connection.execute(text(f'ALTER DATABASE "{building}" RENAME TO "{name}"'))
    connection.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
