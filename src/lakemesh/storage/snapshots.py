"""The latest native snapshot of each table, brought up to date by reading only new commits.

Opening a Delta table replays its log (3 ms idle, 10-15 ms on a busy machine, more with a long log) and checking
that it exists lists its directory: per query, that was as much as the engine's own work on a point lookup.
Whether a kept table moved on is told from its commit files (two stat calls); one that did is refreshed with
`update_incremental` (new commit files only) under a lock, and what queries need (files, schema, partitions,
add-action statistics) is copied out per version, so no query reads a DeltaTable another thread is updating.
Only local, natively readable snapshots are kept; a table whose refresh fails (dropped, vacuumed, replaced by a
new table) is forgotten and reopened the ordinary way.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from deltalake import DeltaTable

from lakemesh.storage.native import ParquetSnapshot, file_statistics, native_snapshot


@dataclass
class _Kept:
    table: DeltaTable
    version: int
    snapshot: ParquetSnapshot
    commit: tuple[int, int, int] | None  # the identity of its version's commit file (see `_commit_identity`)
    statistics: pa.Table | None = None


@dataclass(frozen=True)
class LatestSnapshot:
    """A table's newest snapshot, its version, and its add actions' statistics (read once per version, on first use)."""

    snapshot: ParquetSnapshot
    statistics: Callable[[], pa.Table]
    version: int = -1


class LatestSnapshots:
    """Up to `size` tables' latest native snapshots, by URI, least recently used dropped first."""

    def __init__(self, schema_of: Callable[[DeltaTable], pa.Schema], *, size: int = 64) -> None:
        self._schema_of = schema_of
        self._size = size
        self._lock = threading.Lock()
        self._kept: OrderedDict[str, _Kept] = OrderedDict()

    def get(self, uri: str) -> LatestSnapshot | None:
        """The newest snapshot of a kept table, or None (not kept, or no longer natively readable)."""
        with self._lock:
            kept = self._kept.get(uri)
            if kept is None:
                return None
            try:
                if _commit_identity(kept.table, kept.version) != kept.commit:
                    raise LookupError("the table was replaced")  # dropped and created again: its log starts over
                if not _commit_file(kept.table, kept.version + 1).exists():
                    self._kept.move_to_end(uri)
                    return LatestSnapshot(kept.snapshot, functools.partial(self._statistics, uri, kept, kept.version))
                kept.table.update_incremental()
                version = kept.table.version()
                commit = _commit_identity(kept.table, version)
                if commit is None:
                    raise LookupError("the table was replaced")
                if version != kept.version:
                    snapshot = native_snapshot(kept.table, self._schema_of(kept.table))
                    if snapshot is None:
                        raise LookupError("no longer native")
                    kept.version, kept.snapshot, kept.statistics, kept.commit = version, snapshot, None, commit
            except Exception:  # dropped, vacuumed or changed kind: the caller opens it the ordinary way
                self._kept.pop(uri, None)
                return None
            self._kept.move_to_end(uri)
            return LatestSnapshot(kept.snapshot, lambda: self._statistics(uri, kept, version), version)

    def keep(self, uri: str, table: DeltaTable, snapshot: ParquetSnapshot) -> None:
        """Remember a freshly opened latest table (not a pinned version) for the next queries."""
        with self._lock:
            version = table.version()
            self._kept[uri] = _Kept(table, version, snapshot, _commit_identity(table, version))
            self._kept.move_to_end(uri)
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)

    def _statistics(self, uri: str, kept: _Kept, version: int) -> pa.Table:
        with self._lock:
            if kept.version == version:
                if kept.statistics is None:
                    kept.statistics = file_statistics(kept.table)
                return kept.statistics
        return file_statistics(DeltaTable(uri, version=version))  # it moved on meanwhile: read that version


def _commit_identity(table: DeltaTable, version: int) -> tuple[int, int, int] | None:
    """The commit file of `version` as the file system knows it (inode, modification time, size), None if missing.

    Two stat calls per query (~0.02 ms) decide whether a kept table is still current, where `update_incremental`
    lists the log (1-3 ms on a busy machine): every Delta commit writes the next commit file atomically, so no file
    for `version + 1` means no newer version. A table dropped and created again writes its commit files anew, so
    the kept version's file is then missing or another file, even when the new log has reached the same version.
    """
    try:
        status = _commit_file(table, version).stat()
    except FileNotFoundError:
        return None
    return status.st_ino, status.st_mtime_ns, status.st_size


def _commit_file(table: DeltaTable, version: int) -> Path:
    root = table.table_uri.removeprefix("file://").rstrip("/")
    return Path(f"{root}/_delta_log/{version:020d}.json")
