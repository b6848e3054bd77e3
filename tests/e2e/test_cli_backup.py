"""`lakemesh backup` / `lakemesh restore` as an operator runs them; every refusal is one line and a non-zero exit."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lakemesh.core.settings import Settings
from lakemesh.mesh import Mesh
from lakemesh.platform import Platform
from tests.cli_support import run_cli
from tests.conftest import PG_BASE, create_pg_database, drop_pg_database
from tests.unit.catalog.test_backup import rewrite_manifest

pytestmark = pytest.mark.e2e


def lakemesh(
    home: Path, catalog_url: str | None, *args: str, ok: bool = True, code: str | None = None, path: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LAKEMESH_HOME": str(home)}
    env.pop("LAKEMESH_URL", None)
    env.pop("LAKEMESH_CATALOG_URL", None)
    if catalog_url:
        env["LAKEMESH_CATALOG_URL"] = catalog_url
    if path is not None:
        env["PATH"] = path
    if code is None and path is None:  # in this process (tests/cli_support.py says why)
        result = run_cli(env, *args)
    else:  # a real process: its own module state and PATH
        command = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "lakemesh.cli.main", *args]
        result = subprocess.run(command, check=False, env=env, capture_output=True, text=True, timeout=120)
    if ok:
        assert result.returncode == 0, result.stderr
    return result


def refused(result: subprocess.CompletedProcess[str]) -> str:
    """The single error line of a refused command."""
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.fixture
def source(settings: Settings) -> Iterator[Settings]:
    """A catalog with one domain, made through the CLI's own home."""
    lakemesh(settings.home, settings.catalog_url, "init")
    lakemesh(settings.home, settings.catalog_url, "domain", "create", "Sales")
    yield settings


@pytest.fixture
def empty_target(settings: Settings, tmp_path: Path) -> Iterator[tuple[Path, str | None]]:
    url = create_pg_database(PG_BASE, "lakemesh_cli_restore") if settings.catalog_url and PG_BASE else None
    yield tmp_path / "restored-home", url
    if url and PG_BASE:
        drop_pg_database(PG_BASE, url)


def domains(home: Path, catalog_url: str | None) -> list[str]:
    platform = Platform(Settings(home=home, catalog_url=catalog_url))
    try:
        return [d.name for d in Mesh(platform, platform.principals.bootstrap_admin()).list_domains()]
    finally:
        platform.close()


def test_backup_then_restore_into_an_empty_catalog(
    source: Settings, empty_target: tuple[Path, str | None], tmp_path: Path
) -> None:
    archive = tmp_path / "nightly.lmbackup"
    out = lakemesh(source.home, source.catalog_url, "backup", str(archive)).stdout
    assert "Backed up the" in out and "snapshot the data root" in out
    restored = lakemesh(*empty_target, "restore", str(archive)).stdout
    assert "Restored the" in restored
    assert domains(*empty_target) == ["Sales"]


def test_refusals_are_one_line_and_lose_nothing(source: Settings, tmp_path: Path) -> None:
    home, url = source.home, source.catalog_url
    archive = tmp_path / "nightly.lmbackup"
    lakemesh(home, url, "backup", str(archive))
    lakemesh(home, url, "domain", "create", "Marketing")

    assert "not empty; pass --force" in refused(lakemesh(home, url, "restore", str(archive), ok=False))
    kind = "postgresql" if url else "sqlite"
    other = rewrite_manifest(archive, tmp_path / "other.tar", catalog_kind="sqlite" if url else "postgresql")
    assert f"the configured catalog is {kind}" in refused(
        lakemesh(home, url, "restore", str(other), "--force", ok=False)
    )
    newer = rewrite_manifest(archive, tmp_path / "newer.tar", revision="9999")
    assert "newer than this Lakemesh" in refused(lakemesh(home, url, "restore", str(newer), "--force", ok=False))
    assert "no backup at" in refused(lakemesh(home, url, "restore", str(tmp_path / "nope.lmbackup"), ok=False))
    (tmp_path / "notes.txt").write_text("hello")
    line = refused(lakemesh(home, url, "restore", str(tmp_path / "notes.txt"), "--force", ok=False))
    assert "is not a Lakemesh catalog backup" in line
    assert "already exists" in refused(lakemesh(home, url, "backup", str(archive), ok=False))
    assert domains(home, url) == ["Marketing", "Sales"]  # nothing above touched the catalog

    lakemesh(home, url, "restore", str(archive), "--force")
    assert domains(home, url) == ["Sales"]


def test_missing_pg_dump_is_one_line(tmp_path: Path) -> None:
    hide_debian_tools = (
        "import sys, pathlib, lakemesh.catalog.pg_tools as t; t.PG_BIN_DIRS = pathlib.Path(sys.argv[1]); "
        "del sys.argv[1]; from lakemesh.cli.main import run; run()"
    )
    result = lakemesh(
        tmp_path,
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        str(tmp_path / "no-postgres"),
        "backup",
        str(tmp_path / "out.lmbackup"),
        code=hide_debian_tools,
        path=str(tmp_path),
        ok=False,
    )
    assert "pg_dump was not found on PATH" in refused(result)
    assert not (tmp_path / "out.lmbackup").exists()


def test_an_unreachable_postgres_catalog_is_one_line(source: Settings, tmp_path: Path) -> None:
    if source.catalog_url is None:
        pytest.skip("PostgreSQL only")
    archive = tmp_path / "nightly.lmbackup"
    lakemesh(source.home, source.catalog_url, "backup", str(archive))
    gone = source.catalog_url.rsplit("/", 1)[0] + "/lakemesh_no_such_database"
    assert "lakemesh_no_such_database" in refused(lakemesh(tmp_path, gone, "restore", str(archive), ok=False))
    assert "lakemesh_no_such_database" in refused(lakemesh(tmp_path, gone, "backup", str(tmp_path / "b"), ok=False))
