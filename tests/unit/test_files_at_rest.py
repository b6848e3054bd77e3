"""The home and the SQLite catalog (token hashes, keys) are readable by their owner only, whatever the umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pyarrow as pa

from lakemesh.core.settings import Settings
from lakemesh.mesh import Mesh
from lakemesh.platform import Platform


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_home_is_0700_and_catalog_files_are_0600_under_a_permissive_umask(tmp_path: Path) -> None:
    previous = os.umask(0o000)
    try:
        platform = Platform(Settings(home=tmp_path / "home", catalog_url=None, data_root=None))
        platform.initialize()
        mesh = Mesh(platform, platform.principals.bootstrap_admin())
        mesh.create_domain("files")  # writes to the catalog, so the WAL and shared-memory files exist
        home = tmp_path / "home"
        assert _mode(home) == 0o700
        written = [p for p in home.iterdir() if p.name.startswith("catalog.db")]
        assert {p.name for p in written} >= {"catalog.db"}
        assert all(_mode(p) == 0o600 for p in written), {p.name: oct(_mode(p)) for p in written}
        platform.close()
    finally:
        os.umask(previous)


def test_an_existing_home_is_tightened_on_start(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    (home / "catalog.db").touch(mode=0o644)
    (home / "catalog.db").chmod(0o644)
    platform = Platform(Settings(home=home, catalog_url=None, data_root=None))
    platform.initialize()
    assert _mode(home) == 0o700 and _mode(home / "catalog.db") == 0o600
    platform.close()


def test_umask_setting_applies_to_data_files(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        settings = Settings(home=tmp_path / "home", catalog_url=None, data_root=str(tmp_path / "data"), umask="077")
        platform = Platform(settings)
        platform.initialize()
        mesh = Mesh(platform, platform.principals.bootstrap_admin())
        mesh.create_domain("umask")
        mesh.create_lakehouse("umask", "lh")
        mesh.write_table("umask", "lh", "t", pa.table({"x": [1]}))
        files = [p for p in (tmp_path / "data").rglob("*") if p.is_file()]
        assert files and all(_mode(p) & 0o077 == 0 for p in files)
        platform.close()
    finally:
        os.umask(previous)
