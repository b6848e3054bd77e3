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


def _key_rows(platform: Platform) -> list[str]:
    from sqlalchemy import select

    from lakemesh.catalog.tables.access import AccessSettingRow
    from lakemesh.catalog.tables.sharing import SharingSettingRow

    with platform.catalog.read() as session:
        rows = list(session.scalars(select(SharingSettingRow.key))) + list(
            session.scalars(select(AccessSettingRow.key))
        )
    return [r for r in rows if r in ("url-signing-key", "masking-salt")]


def test_keys_live_in_0600_files_not_in_the_catalog(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    platform = Platform(Settings(home=tmp_path / "home", catalog_url=None, data_root=None))
    platform.initialize()
    salt = platform.reads.salt()
    token = platform.sharing._signer.sign("a/b", "rcp_x", datetime.now(UTC) + timedelta(minutes=1))
    keys = tmp_path / "home" / "keys"
    assert _mode(keys) == 0o700
    assert (keys / "masking-salt").read_text().strip() == salt
    assert all(_mode(p) == 0o600 for p in keys.iterdir())
    assert _key_rows(platform) == []
    platform.close()
    again = Platform(Settings(home=tmp_path / "home", catalog_url=None, data_root=None))
    assert again.reads.salt() == salt and again.sharing._signer.verify(token).path == "a/b"  # stable across restarts
    again.close()


def test_keys_held_by_an_older_catalog_are_moved_out_unchanged(tmp_path: Path) -> None:
    from lakemesh.access.reads import ReadGovernor
    from lakemesh.sharing.tokens import UrlSigner

    platform = Platform(Settings(home=tmp_path / "home", catalog_url=None, data_root=None))
    platform.initialize()
    old_salt = ReadGovernor(platform.catalog, platform.authorizer, platform.clock).salt()  # the old code path
    old_key = UrlSigner(platform.catalog, platform.clock).key()
    assert sorted(_key_rows(platform)) == ["masking-salt", "url-signing-key"]
    assert platform.reads.salt() == old_salt and platform.sharing._signer.key() == old_key
    assert _key_rows(platform) == []
    platform.close()


def test_keys_from_the_environment_are_never_written(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", catalog_url=None, data_root=None, masking_key="envKey42")
    platform = Platform(settings)
    platform.initialize()
    assert platform.reads.salt() == "envKey42"
    assert not (tmp_path / "home" / "keys" / "masking-salt").exists()
    platform.close()


def test_a_backup_carries_the_keys_so_a_restore_masks_and_signs_alike(tmp_path: Path) -> None:
    from lakemesh.catalog.backup import backup_catalog, restore_catalog

    home = tmp_path / "home"
    platform = Platform(Settings(home=home, catalog_url=None, data_root=None))
    platform.initialize()
    salt, key = platform.reads.salt(), platform.sharing._signer.key()
    url = platform.settings.resolved_catalog_url
    platform.close()
    archive = tmp_path / "backup.tar.gz"
    backup_catalog(url, archive, keys_dir=home / "keys")
    assert _mode(archive) == 0o600
    other = tmp_path / "other"
    restore_catalog(f"sqlite:///{other / 'catalog.db'}", archive, keys_dir=other / "keys")
    restored = Platform(Settings(home=other, catalog_url=None, data_root=None))
    assert restored.reads.salt() == salt and restored.sharing._signer.key() == key
    assert _mode(other / "keys" / "masking-salt") == 0o600
    restored.close()
