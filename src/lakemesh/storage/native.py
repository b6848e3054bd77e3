"""What DuckDB may read of a Delta snapshot directly: its Parquet files, and the statistics in its log.

DuckDB's own Parquet reader keeps projection, filter and statistics pushdown that a scan through an Arrow
dataset loses, so governed queries read local, plain snapshots natively. Snapshots whose files do not say
the whole truth fall back to delta-rs's Arrow dataset: deletion vectors (rows removed outside the files),
column mapping (physical names differ from the schema's), partition columns (values live in the log, not
the files) and object storage (DuckDB would need credentials and network access).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

import pyarrow as pa
from deltalake import DeltaTable

_UNSUPPORTED_READER_FEATURES = {"deletionVectors", "columnMapping"}


@dataclass(frozen=True)
class ParquetSnapshot:
    """The absolute local paths of a snapshot's data files and the table's schema."""

    files: tuple[str, ...]
    schema: pa.Schema


def native_snapshot(table: DeltaTable, schema: pa.Schema) -> ParquetSnapshot | None:
    """The snapshot as plain Parquet files DuckDB can read exactly as delta-rs would, or None (fall back)."""
    protocol = table.protocol()
    # Reader version 2 is column mapping; 3 lists its features: anything but plain Parquet falls back.
    if protocol.min_reader_version > 1 or set(protocol.reader_features or ()) & _UNSUPPORTED_READER_FEATURES:
        return None
    metadata = table.metadata()
    if metadata.partition_columns:
        return None
    if metadata.configuration.get("delta.columnMapping.mode", "none") not in ("none", ""):
        return None
    files = tuple(path.removeprefix("file://") for path in table.file_uris())
    if not files or not all(PurePosixPath(path).is_absolute() and "://" not in path for path in files):
        return None
    return ParquetSnapshot(files, schema)


def file_statistics(table: DeltaTable) -> pa.Table:
    """One row per data file with `num_records`, `null_count.<c>`, `min.<c>` and `max.<c>` from the log."""
    return pa.table(table.get_add_actions(flatten=True))
