"""What DuckDB may read of a Delta snapshot directly: its Parquet files, and the statistics in its log.

DuckDB's own Parquet reader keeps projection, filter and statistics pushdown that a scan through an Arrow
dataset loses, so governed queries read local snapshots natively. A partitioned snapshot is read per
partition, its values taken from the log (lakemesh.engine.parquet). Snapshots whose files do not say the whole
truth fall back to delta-rs's Arrow dataset: deletion vectors (rows removed outside the files), column mapping
(physical names differ from the schema's), partition columns of a type DuckDB is not given natively (binary,
nested) or more than MAX_PARTITIONS partitions in one snapshot (the union would cost more to plan than it
saves), and object storage (DuckDB would need credentials and network access).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote

import pyarrow as pa
from deltalake import DeltaTable

_UNSUPPORTED_READER_FEATURES = {"deletionVectors", "columnMapping"}
MAX_PARTITIONS = 256


@dataclass(frozen=True)
class PartitionFiles:
    """The files of one partition and its values (column, typed value; None is NULL) from the log."""

    files: tuple[str, ...]
    values: tuple[tuple[str, object], ...]


@dataclass(frozen=True)
class ParquetSnapshot:
    """The absolute local paths of a snapshot's data files, the table's schema and (partitioned) its partitions."""

    files: tuple[str, ...]
    schema: pa.Schema
    partitions: tuple[PartitionFiles, ...] = ()


def native_snapshot(table: DeltaTable, schema: pa.Schema) -> ParquetSnapshot | None:
    """The snapshot as plain Parquet files DuckDB can read exactly as delta-rs would, or None (fall back)."""
    protocol = table.protocol()
    # Reader version 2 is column mapping; 3 lists its features: anything but plain Parquet falls back.
    if protocol.min_reader_version > 1 or set(protocol.reader_features or ()) & _UNSUPPORTED_READER_FEATURES:
        return None
    metadata = table.metadata()
    if metadata.configuration.get("delta.columnMapping.mode", "none") not in ("none", ""):
        return None
    files = tuple(path.removeprefix("file://") for path in table.file_uris())
    if not files or not all(PurePosixPath(path).is_absolute() and "://" not in path for path in files):
        return None
    if not metadata.partition_columns:
        return ParquetSnapshot(files, schema)
    partitions = _partitions(table, files, list(metadata.partition_columns), schema)
    return None if partitions is None else ParquetSnapshot(files, schema, partitions)


def _partitions(
    table: DeltaTable, files: tuple[str, ...], columns: list[str], schema: pa.Schema
) -> tuple[PartitionFiles, ...] | None:
    """The files grouped by their partition values from the log, or None when they cannot be read natively."""
    if any(schema.get_field_index(c) < 0 or not _plain_type(schema.field(c).type) for c in columns):
        return None
    actions = file_statistics(table)
    root = table.table_uri.removeprefix("file://").rstrip("/")
    located = {f"{root}/{unquote(str(path))}": index for index, path in enumerate(actions.column("path").to_pylist())}
    if actions.num_rows != len(files) or set(located) != set(files):  # not one add action per file: do not guess
        return None
    values = [actions.column(f"partition.{c}").to_pylist() for c in columns]
    groups: dict[tuple[object, ...], list[str]] = {}
    for file in files:
        groups.setdefault(tuple(column[located[file]] for column in values), []).append(file)
    if len(groups) > MAX_PARTITIONS:
        return None
    return tuple(PartitionFiles(tuple(paths), tuple(zip(columns, key, strict=True))) for key, paths in groups.items())


def file_statistics(table: DeltaTable) -> pa.Table:
    """One row per data file with `num_records`, `null_count.<c>`, `min.<c>` and `max.<c>` from the log."""
    return pa.table(table.get_add_actions(flatten=True))


def _plain_type(kind: pa.DataType) -> bool:
    """Partition column types the engine writes as typed constants (lakemesh.engine.parquet.duckdb_type)."""
    return bool(
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_date32(kind)
        or pa.types.is_timestamp(kind)
        or pa.types.is_decimal(kind)
        or kind in (pa.int8(), pa.int16(), pa.int32(), pa.int64(), pa.float32(), pa.float64())
    )
