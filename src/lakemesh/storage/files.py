"""The raw Files area of a lakehouse (bronze ingestion), on the same data root as the tables."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from pyarrow import fs as pafs

from lakemesh.core.errors import InvalidInput, NotFound, invalid
from lakemesh.storage.location import DataRoot, safe_relative_path

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    path: str
    size_bytes: int
    modified_at: datetime | None


class FilesArea:
    """Files under `<domain>/<lakehouse>/Files`; every path is checked so nothing escapes the area."""

    def __init__(self, root: DataRoot, domain: str, lakehouse: str) -> None:
        self._fs, base = root.filesystem()
        relative = root.files_uri(domain, lakehouse)[len(root.root) :].lstrip("/")
        self._base = posixpath.join(base, relative)
        self._local = root.is_local

    def _full(self, path: str) -> tuple[str, str]:
        relative = safe_relative_path(path)
        full = posixpath.join(self._base, relative)
        if self._local:
            resolved = Path(full).resolve()
            if not resolved.is_relative_to(Path(self._base).resolve()):
                raise invalid("path", "points outside the Files area")
        return relative, full

    def put(self, path: str, body: BinaryIO) -> StoredFile:
        relative, full = self._full(path)
        info = self._fs.get_file_info(full)
        if info.type == pafs.FileType.Directory:
            raise invalid("path", f"{relative!r} is a folder")
        self._fs.create_dir(posixpath.dirname(full), recursive=True)
        with self._fs.open_output_stream(full) as out:
            while chunk := body.read(CHUNK):
                out.write(chunk)
        return self.stat(relative)

    def stat(self, path: str) -> StoredFile:
        relative, full = self._full(path)
        info = self._fs.get_file_info(full)
        if info.type != pafs.FileType.File:
            raise NotFound(f"No file {relative!r} in the Files area")
        return StoredFile(relative, int(info.size or 0), _aware(info.mtime))

    def open(self, path: str) -> Iterator[bytes]:
        _, full = self._full(path)
        self.stat(path)
        return self._chunks(full)

    def _chunks(self, full: str) -> Iterator[bytes]:
        with self._fs.open_input_stream(full) as stream:
            while chunk := stream.read(CHUNK):
                yield chunk

    def delete(self, path: str) -> None:
        relative, full = self._full(path)
        self.stat(relative)
        self._fs.delete_file(full)

    def list(self, prefix: str = "") -> list[StoredFile]:
        base = self._base
        if prefix:
            base = self._full(prefix)[1]
        selector = pafs.FileSelector(base, recursive=True, allow_not_found=True)
        try:
            infos = self._fs.get_file_info(selector)
        except NotADirectoryError as exc:
            raise InvalidInput(f"{prefix!r} is a file, not a folder") from exc
        root_length = len(self._base.rstrip("/")) + 1
        return sorted(
            (
                StoredFile(i.path[root_length:], int(i.size or 0), _aware(i.mtime))
                for i in infos
                if i.type == pafs.FileType.File
            ),
            key=lambda f: f.path,
        )


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
