"""Catalog backup and restore in-process, on the test backend (SQLite by default, PostgreSQL when configured)."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lakemesh.catalog import backup
from lakemesh.catalog.backup import backup_catalog, read_manifest, restore_catalog
from lakemesh.catalog.pg_tools import find_pg_tool, pg_connection_args
from lakemesh.core.errors import Conflict, InvalidInput, NotFound, Unauthorized
from lakemesh.core.settings import Settings
from lakemesh.demo.data import customer_360
from lakemesh.mesh import Mesh
from lakemesh.platform import Platform
from tests.conftest import PG_BASE, create_pg_database, drop_pg_database, user
from tests.unit.products.seed import CUSTOMER_360

TABLE = ("Sales", "sales_lakehouse", "gold_customer_360")


@pytest.fixture
def populated(admin: Mesh) -> tuple[Mesh, str]:
    """A mesh with a domain, a lakehouse table, a product and a user token; returns the token secret."""
    admin.create_principal("sales-data-team@company.com")
    admin.create_domain("Sales")
    admin.create_lakehouse("Sales", "sales_lakehouse")
    admin.write_table(*TABLE, customer_360(40, now=datetime.now(UTC)))
    admin.create_product(CUSTOMER_360)
    analyst = user(admin, "analyst@company.com")
    return admin, analyst.create_token(name="reports").secret


@pytest.fixture
def fresh_target(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    """Empty settings of the same kind: a new home, and on PostgreSQL a new database; data root shared."""
    catalog_url = create_pg_database(PG_BASE, "lakemesh_restore") if settings.catalog_url and PG_BASE else None
    yield Settings(home=tmp_path / "restored", catalog_url=catalog_url, data_root=settings.resolved_data_root)
    if catalog_url and PG_BASE:
        drop_pg_database(PG_BASE, catalog_url)


def test_backup_while_open_restores_domains_products_tables_and_tokens(
    populated: tuple[Mesh, str], settings: Settings, fresh_target: Settings, tmp_path: Path
) -> None:
    admin, secret = populated
    if settings.catalog_url is None:  # the writes are still in the WAL while the Platform is open
        assert (settings.home / "catalog.db-wal").stat().st_size > 0
    archive = tmp_path / "catalog.lmbackup"
    manifest = backup_catalog(settings.resolved_catalog_url, archive)
    assert manifest.catalog_kind == ("postgresql" if settings.catalog_url else "sqlite")
    assert manifest.revision == read_manifest(archive).revision is not None

    restore_catalog(fresh_target.resolved_catalog_url, archive)
    restored = Platform(fresh_target)
    try:
        restored.initialize()
        mesh = Mesh(restored, restored.principals.authenticate(secret))
        assert mesh.whoami().name == "analyst@company.com"
        owner = Mesh(restored, restored.principals.bootstrap_admin())
        assert [d.name for d in owner.list_domains()] == ["Sales"]
        assert owner.get_product("sales", "customer-360").id == admin.get_product("sales", "customer-360").id
        assert owner.read_table(*TABLE).num_rows == 40  # the catalog finds the Delta table on the shared data root
    finally:
        restored.close()


def test_restore_with_force_replaces_the_catalog_and_later_changes_are_gone(
    populated: tuple[Mesh, str], settings: Settings, tmp_path: Path
) -> None:
    admin, secret = populated
    archive = tmp_path / "catalog.lmbackup"
    backup_catalog(settings.resolved_catalog_url, archive)
    admin.create_domain("Marketing")
    late = admin.create_token(name="after-backup").secret
    admin.platform.close()

    with pytest.raises(Conflict, match="--force"):
        restore_catalog(settings.resolved_catalog_url, archive)
    restore_catalog(settings.resolved_catalog_url, archive, force=True)
    platform = Platform(settings)
    try:
        owner = Mesh(platform, platform.principals.bootstrap_admin())
        assert [d.name for d in owner.list_domains()] == ["Sales"]
        assert platform.principals.authenticate(secret).name == "analyst@company.com"
        with pytest.raises(Unauthorized):
            platform.principals.authenticate(late)
    finally:
        platform.close()


def rewrite_manifest(archive: Path, target: Path, **changes: object) -> Path:
    """A copy of a backup archive whose manifest says something else."""
    with tarfile.open(archive, "r:*") as source, tarfile.open(target, "w") as out:
        for member in source.getmembers():
            body = source.extractfile(member)
            assert body is not None
            data = body.read()
            if member.name == "manifest.json":
                data = json.dumps({**json.loads(data), **changes}).encode()
                member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    return target


def test_refusals_leave_the_target_untouched(populated: tuple[Mesh, str], settings: Settings, tmp_path: Path) -> None:
    archive = tmp_path / "catalog.lmbackup"
    backup_catalog(settings.resolved_catalog_url, archive)
    kind = read_manifest(archive).catalog_kind
    other = "sqlite" if kind == "postgresql" else "postgresql"
    url = settings.resolved_catalog_url
    with pytest.raises(InvalidInput, match=f"backup of a {other} catalog; the configured catalog is {kind}"):
        restore_catalog(url, rewrite_manifest(archive, tmp_path / "kind.tar", catalog_kind=other), force=True)
    with pytest.raises(Conflict, match="revision 9999, newer than this Lakemesh"):
        restore_catalog(url, rewrite_manifest(archive, tmp_path / "rev.tar", revision="9999"), force=True)
    with pytest.raises(InvalidInput, match="unreadable backup manifest"):
        restore_catalog(url, rewrite_manifest(archive, tmp_path / "fmt.tar", format="zip"), force=True)
    with pytest.raises(NotFound, match="no backup at"):
        restore_catalog(url, tmp_path / "missing.lmbackup")
    garbage = tmp_path / "garbage.lmbackup"
    garbage.write_bytes(b"not an archive at all" * 100)
    with pytest.raises(InvalidInput, match="is not a Lakemesh catalog backup"):
        restore_catalog(url, garbage, force=True)
    with pytest.raises(Conflict, match="already exists"):
        backup_catalog(url, archive)
    owner = populated[0]
    assert [d.name for d in owner.list_domains()] == ["Sales"]


def test_a_damaged_sqlite_payload_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    Mesh.open(home).close()
    archive = tmp_path / "catalog.lmbackup"
    backup_catalog(f"sqlite:///{home / 'catalog.db'}", archive)
    broken = tmp_path / "broken.lmbackup"
    with tarfile.open(archive, "r:*") as source, tarfile.open(broken, "w") as out:
        for member in source.getmembers():
            body = source.extractfile(member)
            assert body is not None
            data = body.read()
            if member.name == "catalog.sqlite":
                data = data[:100] + b"\x00" * 4096 + data[4196:]
            out.addfile(member, io.BytesIO(data))
    target = tmp_path / "target" / "catalog.db"
    with pytest.raises(InvalidInput, match="damaged SQLite catalog"):
        restore_catalog(f"sqlite:///{target}", broken)


def test_backing_up_a_home_without_a_catalog_says_so(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no catalog at"):
        backup_catalog(f"sqlite:///{tmp_path / 'nowhere' / 'catalog.db'}", tmp_path / "out.lmbackup")


def test_postgres_url_becomes_arguments_and_the_password_only_an_environment_variable() -> None:
    args, env = pg_connection_args("postgresql+psycopg://lake:s%40cret@db.internal:6543/catalog?sslmode=require")
    assert args == ["--host=db.internal", "--port=6543", "--username=lake", "--no-password", "--dbname=catalog"]
    assert env["PGPASSWORD"] == "s@cret" and env["PGSSLMODE"] == "require"
    assert not any("s@cret" in a or "cret" in a for a in args)


def test_missing_pg_dump_is_one_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("lakemesh.catalog.pg_tools.PG_BIN_DIRS", tmp_path / "no-postgres")
    with pytest.raises(NotFound, match="pg_dump was not found on PATH"):
        find_pg_tool("pg_dump")
    assert backup.FORMAT == "lakemesh-catalog-backup"


def test_postgres_refuses_an_older_backup_over_a_newer_schema(
    populated: tuple[Mesh, str], settings: Settings, tmp_path: Path
) -> None:
    """pg_restore --clean drops only what the dump holds; tables of the newer schema would linger."""
    if settings.catalog_url is None:
        pytest.skip("PostgreSQL only: a SQLite restore replaces the whole file")
    archive = tmp_path / "catalog.lmbackup"
    head = backup_catalog(settings.catalog_url, archive).revision
    assert head is not None
    previous = backup._scripts().get_revision(head).down_revision
    older = rewrite_manifest(archive, tmp_path / "older.tar", revision=previous)
    with pytest.raises(Conflict, match=f"newer than the backup's {previous}; restore into an empty database"):
        restore_catalog(settings.catalog_url, older, force=True)
    assert [d.name for d in populated[0].list_domains()] == ["Sales"]
