"""The files behind signed URLs: a table's own Parquet files, or projected copies when a share hides columns.

Projected copies are written once per (shared table, file) under `_platform/sharing/` on the data root, so they
have a size before the recipient asks and are served the same way on local disks and object stores.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow.parquet as pq
from pyarrow import fs as pafs

from lakemesh.core.errors import Forbidden, Gone, NotFound
from lakemesh.storage.location import DataRoot

CACHE_AREA = "_platform/sharing"
CHUNK = 1 << 22
CHANGE_COLUMNS = ("_change_type",)


@dataclass(frozen=True)
class ServedFile:
    filesystem: pafs.FileSystem
    path: str
    size: int


def relative_to_root(root: DataRoot, table_uri: str, file: str) -> str:
    """A data file of a table as a path relative to the data root, refusing anything outside the table."""
    parts = [p for p in file.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or ".." in parts or file.startswith("/") or "://" in file:
        raise Forbidden("The file is not part of the table")
    table = table_uri[len(root.root) :].strip("/")
    return posixpath.join(table, *parts)


def projected(root: DataRoot, share_table_id: str, source: str, columns: list[str]) -> tuple[str, int]:
    """The projected copy of `source` (relative path) with only `columns`; written on first use."""
    digest = hashlib.sha256(f"{source}\n{','.join(columns)}".encode()).hexdigest()[:32]
    target = f"{CACHE_AREA}/{share_table_id}/{digest}.parquet"
    filesystem, base = root.filesystem()
    full = posixpath.join(base, target)
    info = filesystem.get_file_info(full)
    if info.type == pafs.FileType.File and info.size is not None:
        return target, info.size
    source_path = posixpath.join(base, source)
    try:
        table = pq.read_table(source_path, filesystem=filesystem)
    except (OSError, FileNotFoundError) as exc:
        raise Gone("A data file of this version was removed by vacuum; query a newer version") from exc
    keep = {c.lower() for c in columns} | set(CHANGE_COLUMNS)
    table = table.select([n for n in table.column_names if n.lower() in keep])
    filesystem.create_dir(posixpath.dirname(full), recursive=True)
    partial = f"{full}.{digest[:8]}.tmp"
    pq.write_table(table, partial, filesystem=filesystem)
    filesystem.move(partial, full)
    size = filesystem.get_file_info(full).size
    return target, int(size or 0)


def open_served(root: DataRoot, relative: str) -> ServedFile:
    """A file a signed URL names: only table data (`<domain>/<lakehouse>/Tables/...`) or projected copies."""
    parts = relative.split("/")
    allowed = (len(parts) > 4 and parts[2] == "Tables") or relative.startswith(CACHE_AREA + "/")
    if ".." in parts or relative.startswith("/") or not allowed or "_delta_log" in parts:
        raise Forbidden("The file URL does not name a shared data file")
    filesystem, base = root.filesystem()
    path = posixpath.join(base, relative)
    info = filesystem.get_file_info(path)
    if info.type != pafs.FileType.File or info.size is None:
        raise NotFound("The file no longer exists (vacuumed); query the table again")
    return ServedFile(filesystem, path, int(info.size))


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """`Range: bytes=a-b` → (start, end inclusive); None for the whole file; ValueError when unsatisfiable."""
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, _, last = spec.strip().partition("-")
    if first == "":
        length = int(last)
        start, end = max(size - length, 0), size - 1
    else:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
    if start > end or start >= size:
        raise ValueError("unsatisfiable range")
    return start, end


def read_chunks(served: ServedFile, start: int, end: int) -> Iterator[bytes]:
    with served.filesystem.open_input_file(served.path) as handle:
        handle.seek(start)
        left = end - start + 1
        while left > 0:
            chunk = handle.read(min(CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk
