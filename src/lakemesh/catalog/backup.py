"""Catalog backup and restore: one archive holding a manifest and either a SQLite copy or a pg_dump.

SQLite is copied with the online backup API (consistent while servers run, WAL included); PostgreSQL
goes through `pg_dump --format=custom` / `pg_restore`. Delta tables are not copied: the Delta log and
object-store versioning restore data (see docs/deploy.md).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import IO, Literal

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from lakemesh.catalog import migrate
from lakemesh.catalog.db import Catalog
from lakemesh.catalog.keys import KEY_NAMES
from lakemesh.catalog.pg_tools import run_pg_tool
from lakemesh.core.errors import Conflict, InvalidInput, NotFound, ServiceUnavailable

FORMAT = "lakemesh-catalog-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
KEYS_AREA = "keys"
CatalogKind = Literal["sqlite", "postgresql"]
PAYLOAD: dict[CatalogKind, str] = {"sqlite": "catalog.sqlite", "postgresql": "catalog.pgdump"}


@dataclass(frozen=True)
class BackupManifest:
    """What a backup holds, so restore can refuse one it cannot apply safely."""

    catalog_kind: CatalogKind
    revision: str | None
    created_at: datetime
    lakemesh_version: str

    def to_json(self) -> bytes:
        document = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "catalog_kind": self.catalog_kind,
            "revision": self.revision,
            "created_at": self.created_at.isoformat(),
            "lakemesh_version": self.lakemesh_version,
        }
        return json.dumps(document, indent=2).encode()

    @classmethod
    def from_json(cls, raw: bytes, source: Path) -> BackupManifest:
        try:
            document = json.loads(raw)
            if document.get("format") != FORMAT or document.get("catalog_kind") not in PAYLOAD:
                raise ValueError("not a Lakemesh catalog backup manifest")
            if int(document.get("format_version", 0)) > FORMAT_VERSION:
                raise ValueError("written by a newer Lakemesh; upgrade Lakemesh to restore it")
            return cls(
                catalog_kind=document["catalog_kind"],
                revision=document.get("revision"),
                created_at=datetime.fromisoformat(document["created_at"]),
                lakemesh_version=str(document.get("lakemesh_version", "unknown")),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InvalidInput(f"{source} has an unreadable backup manifest ({exc})") from exc


def catalog_kind(url: str) -> CatalogKind:
    backend = make_url(url).get_backend_name()
    if backend not in PAYLOAD:
        raise InvalidInput(f"backup supports SQLite and PostgreSQL catalogs, not {backend}")
    return backend


def backup_catalog(
    catalog_url: str, out: Path, *, now: datetime | None = None, keys_dir: Path | None = None
) -> BackupManifest:
    """Write a backup archive of the catalog at `catalog_url` to `out` (a new file, written atomically, 0600).

    The key files of `keys_dir` go in too (`keys/<name>`): without the URL-signing and masking keys a restored
    catalog would sign and mask differently. The archive is therefore as secret as the keys.
    """
    kind = catalog_kind(catalog_url)
    out = out.expanduser()
    if out.exists():
        raise Conflict(f"{out} already exists; choose a new file name for the backup")
    if not out.parent.is_dir():
        raise NotFound(f"directory {out.parent} does not exist")
    if kind == "sqlite":
        _require_sqlite_file(catalog_url)
    with _workdir(out.parent) as work:
        payload = work / PAYLOAD[kind]
        if kind == "sqlite":
            _sqlite_copy(_sqlite_path(catalog_url), payload, to_file_mode=True)
        else:
            run_pg_tool("pg_dump", catalog_url, ["--format=custom", "--no-owner", f"--file={payload}"])
        manifest = BackupManifest(
            catalog_kind=kind,
            revision=_payload_revision(kind, payload, catalog_url),
            created_at=now or datetime.now(UTC),
            lakemesh_version=_lakemesh_version(),
        )
        partial = work / "backup.partial"
        with tarfile.open(partial, "w:gz" if kind == "sqlite" else "w") as archive:
            info = tarfile.TarInfo(MANIFEST)
            body = manifest.to_json()
            info.size, info.mtime = len(body), int(manifest.created_at.timestamp())
            archive.addfile(info, io.BytesIO(body))
            archive.add(payload, arcname=PAYLOAD[kind])
            for name in KEY_NAMES:
                key = (keys_dir / name) if keys_dir else None
                if key is not None and key.is_file():
                    archive.add(key, arcname=f"{KEYS_AREA}/{name}")
        partial.chmod(0o600)
        partial.replace(out)
    return manifest


def read_manifest(source: Path) -> BackupManifest:
    """The manifest of a backup archive, or one readable error saying why the file is not usable."""
    with _open_archive(source) as archive:
        return BackupManifest.from_json(_member_bytes(archive, MANIFEST, source), source)


def restore_catalog(
    catalog_url: str, source: Path, *, force: bool = False, keys_dir: Path | None = None
) -> BackupManifest:
    """Replace the catalog at `catalog_url` with the backup in `source`; refuses unsafe restores before touching it."""
    source = source.expanduser()
    manifest = read_manifest(source)
    kind = catalog_kind(catalog_url)
    if manifest.catalog_kind != kind:
        raise InvalidInput(
            f"{source} is a backup of a {manifest.catalog_kind} catalog; the configured catalog is {kind} "
            "(restore into the same kind of catalog)"
        )
    _require_known_revision(manifest)
    target = _target_revision(catalog_url, kind)
    if target is not None and not force:
        raise Conflict(f"the catalog at {_safe_url(catalog_url)} is not empty; pass --force to replace it")
    if target is not None and kind == "postgresql":
        _require_not_newer(target, manifest.revision)
    with _workdir(None) as work:
        payload = work / PAYLOAD[kind]
        with _open_archive(source) as archive:
            _extract_member(archive, PAYLOAD[kind], source, payload)
            keys = [n for n in KEY_NAMES if f"{KEYS_AREA}/{n}" in archive.getnames()]
            if keys_dir is not None and keys:
                keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
                for name in keys:
                    target_key = keys_dir / name
                    fd = os.open(target_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                    os.close(fd)
                    target_key.chmod(0o600)
                    _extract_member(archive, f"{KEYS_AREA}/{name}", source, target_key)
        if kind == "sqlite":
            _sqlite_check(payload, source)
            target_path = _sqlite_path(catalog_url)
            target_path.parent.mkdir(parents=True, exist_ok=True)
            _sqlite_copy(payload, target_path, to_file_mode=False)
        else:
            run_pg_tool(
                "pg_restore",
                catalog_url,
                ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", str(payload)],
            )
    restored = _target_revision(catalog_url, kind)
    if restored != manifest.revision:
        raise ServiceUnavailable(f"restore finished but the catalog is at revision {restored}, not {manifest.revision}")
    return manifest


# -- SQLite ------------------------------------------------------------------------------------------
def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise InvalidInput("an in-memory SQLite catalog cannot be backed up or restored")
    return Path(database).expanduser()


def _require_sqlite_file(url: str) -> None:
    path = _sqlite_path(url)
    if not path.is_file():
        raise NotFound(f"no catalog at {path}; nothing to back up (is LAKEMESH_HOME right?)")


def _sqlite_copy(source: Path, target: Path, *, to_file_mode: bool) -> None:
    """Page-by-page copy through SQLite's online backup API: a consistent snapshot that includes the WAL."""
    try:
        with _sqlite(source) as src, _sqlite(target) as dst:
            src.backup(dst)
            if to_file_mode:  # a self-contained file: no -wal/-shm companions in the archive
                dst.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise ServiceUnavailable(f"SQLite copy from {source} to {target} failed: {exc}") from exc


def _sqlite_check(payload: Path, source: Path) -> None:
    try:
        with _sqlite(payload) as connection:
            result = connection.execute("PRAGMA quick_check").fetchone()
    except sqlite3.Error as exc:
        raise InvalidInput(f"{source} holds a damaged SQLite catalog ({exc})") from exc
    if not result or result[0] != "ok":
        raise InvalidInput(f"{source} holds a damaged SQLite catalog ({result[0] if result else 'no answer'})")


@contextmanager
def _sqlite(path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(path, timeout=30)
    try:
        yield connection
    finally:
        connection.close()


# -- revisions and the target ------------------------------------------------------------------------
def _payload_revision(kind: CatalogKind, payload: Path, catalog_url: str) -> str | None:
    """The schema revision of what was copied (SQLite: the copy itself; PostgreSQL: the source right after)."""
    url = f"sqlite:///{payload}" if kind == "sqlite" else catalog_url
    return _revision_at(url)


def _revision_at(url: str) -> str | None:
    revision = _target_revision(url, catalog_kind(url))
    return revision or None


def _target_revision(url: str, kind: CatalogKind) -> str | None:
    """None when the target catalog is empty (no tables), else its revision ('' when it has tables but none)."""
    if kind == "sqlite" and not _sqlite_path(url).is_file():
        return None
    catalog = Catalog(url)
    try:
        if not inspect(catalog.engine).get_table_names():
            return None
        return migrate.current_revision(catalog) or ""
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[-1] if exc.orig else type(exc).__name__
        raise ServiceUnavailable(f"cannot read the catalog at {_safe_url(url)}: {reason}") from exc
    finally:
        catalog.dispose()


def _scripts() -> ScriptDirectory:
    return ScriptDirectory(str(Path(migrate.__file__).parent / "migrations"))


def _require_known_revision(manifest: BackupManifest) -> None:
    if manifest.revision is None:
        return
    try:
        known = _scripts().get_revision(manifest.revision) is not None
    except CommandError:
        known = False
    if not known:
        head = _scripts().get_current_head()
        raise Conflict(
            f"the backup is at catalog revision {manifest.revision}, newer than this Lakemesh "
            f"{_lakemesh_version()} knows (head {head}); upgrade Lakemesh before restoring it"
        )


def _require_not_newer(target: str, backup: str | None) -> None:
    """pg_restore --clean drops only what the dump holds, so tables a newer target has would linger."""
    if not target or target == backup:
        return
    older = {script.revision for script in _scripts().walk_revisions(base="base", head=target)}
    if backup is None or backup in older:
        raise Conflict(
            f"the catalog is at revision {target}, newer than the backup's {backup}; "
            "restore into an empty database and point LAKEMESH_CATALOG_URL at it"
        )


# -- archive plumbing --------------------------------------------------------------------------------
@contextmanager
def _open_archive(source: Path) -> Iterator[tarfile.TarFile]:
    try:
        archive = tarfile.open(source, "r:*")  # noqa: SIM115 - closed below, after the error mapping
    except FileNotFoundError as exc:
        raise NotFound(f"no backup at {source}") from exc
    except (IsADirectoryError, PermissionError) as exc:
        raise InvalidInput(f"cannot read {source}: {exc.strerror}") from exc
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise InvalidInput(f"{source} is not a Lakemesh catalog backup ({exc})") from exc
    try:
        yield archive
    finally:
        archive.close()


def _member(archive: tarfile.TarFile, name: str, source: Path) -> IO[bytes]:
    """One named regular member; never extract paths chosen by the archive."""
    try:
        member = archive.getmember(name)
        stream = archive.extractfile(member) if member.isfile() else None
    except KeyError:
        stream = None
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise InvalidInput(f"{source} is damaged ({exc})") from exc
    if stream is None:
        raise InvalidInput(f"{source} is not a Lakemesh catalog backup (no {name} inside)")
    return stream


def _member_bytes(archive: tarfile.TarFile, name: str, source: Path) -> bytes:
    try:
        return _member(archive, name, source).read()
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise InvalidInput(f"{source} is damaged ({exc})") from exc


def _extract_member(archive: tarfile.TarFile, name: str, source: Path, target: Path) -> None:
    try:
        with target.open("wb") as out:
            shutil.copyfileobj(_member(archive, name, source), out, length=1024 * 1024)
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise InvalidInput(f"{source} is damaged ({exc})") from exc


@contextmanager
def _workdir(near: Path | None) -> Iterator[Path]:
    work = Path(tempfile.mkdtemp(prefix=".lakemesh-backup-", dir=near))
    try:
        yield work
    finally:
        with suppress(OSError):
            shutil.rmtree(work)


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _lakemesh_version() -> str:
    try:
        return metadata.version("lakemesh")
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown"
