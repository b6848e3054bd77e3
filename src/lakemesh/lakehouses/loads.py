"""Loading files of a lakehouse's Files area into one of its tables (Fabric's "load to table").

Built only from the public Files and table-data services, so the reader needs read access to the Files area
and write access to the table exactly as when downloading and writing by hand; a folder is loaded in one
commit, so a load is all or nothing.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pyarrow as pa

from lakemesh.auth.models import Principal
from lakemesh.core.errors import NotFound, invalid
from lakemesh.lakehouses.data import TableData
from lakemesh.lakehouses.files import FileService
from lakemesh.lakehouses.models import WriteResult
from lakemesh.storage import arrowio
from lakemesh.storage.delta import WriteMode

LoadFormat = Literal["csv", "parquet"]
SUFFIXES: dict[LoadFormat, tuple[str, ...]] = {"csv": (".csv", ".txt", ".tsv"), "parquet": (".parquet", ".parq")}


@dataclass(frozen=True)
class FileLoad:
    """What to load: a file (or every file of the format in a folder) under `Files/`, and how."""

    path: str
    format: LoadFormat
    mode: WriteMode = "append"
    folder: bool = False
    recursive: bool = False
    header: bool = True
    delimiter: str = ","
    extension: str | None = None  # a folder's files to load, e.g. `csv`; default: the format's usual ones


def load_files(
    files: FileService, data: TableData, actor: Principal, domain: str, lakehouse: str, table: str, spec: FileLoad
) -> WriteResult:
    """Write the file(s) to the table in one commit; nothing is written when any file does not decode."""
    if len(spec.delimiter) != 1:
        raise invalid("delimiter", "must be one character")
    paths = _paths(files, actor, domain, lakehouse, spec)
    with tempfile.TemporaryDirectory(prefix="lakemesh-load-") as scratch:
        readers = []
        for index, path in enumerate(paths):
            local = Path(scratch) / f"{index}"
            _, chunks = files.download(actor, domain, lakehouse, path)
            with local.open("wb") as out:
                for chunk in chunks:
                    out.write(chunk)
            readers.append(arrowio.open_reader(local, spec.format, header=spec.header, delimiter=spec.delimiter))
        return data.write(actor, domain, lakehouse, table, _chained(readers, paths), mode=spec.mode)


def _paths(files: FileService, actor: Principal, domain: str, lakehouse: str, spec: FileLoad) -> list[str]:
    if not spec.folder:
        return [spec.path]
    prefix = spec.path.strip("/")
    depth = prefix.count("/") + 1 if prefix else 0
    suffixes = (f".{spec.extension.lower().lstrip('.')}",) if spec.extension else SUFFIXES[spec.format]
    found = [
        f.path
        for f in files.list(actor, domain, lakehouse, prefix)
        if f.path.lower().endswith(suffixes) and (spec.recursive or f.path.count("/") == depth)
    ]
    if not found:
        raise NotFound(f"No {spec.format} file in Files/{prefix}")
    return found


def _chained(readers: list[pa.RecordBatchReader], paths: list[str]) -> pa.RecordBatchReader:
    """One reader over every file; files of a folder must share their columns."""
    schema = readers[0].schema
    for reader, path in zip(readers[1:], paths[1:], strict=True):
        if not reader.schema.equals(schema):
            raise invalid("relativePath", f"{path} has other columns than {paths[0]}; load it separately")

    def batches() -> Iterator[pa.RecordBatch]:
        for reader in readers:
            yield from reader

    return pa.RecordBatchReader.from_batches(schema, batches())
