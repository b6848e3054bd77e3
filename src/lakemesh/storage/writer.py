"""A streaming Delta append/overwrite: Parquet files written batch by batch, then one commit.

delta-rs's own writer buffers most of its input stream before it writes (delta-io/delta-rs#2255), so a 1 GB
upload costs gigabytes of memory. Here each batch goes straight into a Parquet file (a new file every
`target_file_bytes`), the footer gives the file's statistics, and all files are committed in one Delta
transaction: readers see all of the write or none of it, and memory stays near one row group.
"""

from __future__ import annotations

import json
import posixpath
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import CommitProperties, DeltaTable
from deltalake.exceptions import CommitFailedError, DeltaError
from deltalake.transaction import AddAction, RemoveAction, create_table_with_add_actions
from pyarrow import fs as pafs

ROW_GROUP_ROWS = 128 * 1024
TARGET_FILE_BYTES = 128 * 1024 * 1024


def write_files(
    filesystem: pafs.FileSystem,
    table_path: str,
    batches: Iterator[pa.RecordBatch],
    schema: pa.Schema,
    *,
    target_file_bytes: int = TARGET_FILE_BYTES,
) -> list[AddAction]:
    """Write the stream as Parquet files under `table_path`; returns their add actions (nothing committed)."""
    actions: list[AddAction] = []
    writer: pq.ParquetWriter | None = None
    name = ""
    written = 0
    pending: list[pa.RecordBatch] = []
    pending_rows = 0

    def flush() -> None:
        nonlocal pending, pending_rows, written
        if writer is not None and pending:
            table = pa.Table.from_batches(pending, schema=schema)
            writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
            written += table.nbytes
        pending, pending_rows = [], 0

    def close() -> None:
        nonlocal writer
        if writer is None:
            return
        flush()
        writer.close()
        writer = None
        actions.append(_add_action(filesystem, table_path, name, schema))

    for batch in batches:
        if batch.num_rows == 0:
            continue
        if writer is None:
            name = f"part-{uuid.uuid4()}-c000.snappy.parquet"
            # Dictionary encoding is what makes pyarrow slower than delta-rs here; snappy pages without it
            # write faster and stay close in size for the tables we see.
            writer = pq.ParquetWriter(
                posixpath.join(table_path, name),
                schema,
                filesystem=filesystem,
                compression="snappy",
                use_dictionary=False,
            )
            written = 0
        pending.append(batch)
        pending_rows += batch.num_rows
        if pending_rows >= ROW_GROUP_ROWS:
            flush()
        if written >= target_file_bytes:
            close()
    close()
    return actions


def commit(
    uri: str,
    actions: list[AddAction],
    schema: pa.Schema,
    *,
    mode: str,
    exists: bool,
    storage_options: dict[str, str] | None,
    commit_properties: CommitProperties,
) -> int:
    if not exists:
        try:
            create_table_with_add_actions(
                uri,
                _delta_schema(schema),
                actions,
                mode="error",
                storage_options=storage_options,
                commit_properties=commit_properties,
            )
            return DeltaTable(uri, storage_options=storage_options).version()
        except DeltaError:
            # Another replica created the table between our check and our commit: commit on top of theirs
            # when the schemas agree, else this write conflicts with theirs.
            if not DeltaTable.is_deltatable(uri, storage_options=storage_options):
                raise
            if DeltaTable(uri, storage_options=storage_options).schema() != _delta_schema(schema):
                raise CommitFailedError("the table was created concurrently with another schema") from None
    table = DeltaTable(uri, storage_options=storage_options)
    changes: list[AddAction | RemoveAction] = list(actions)
    table.create_write_transaction(changes, mode=mode, schema=schema, commit_properties=commit_properties)
    return DeltaTable(uri, storage_options=storage_options).version()


def _delta_schema(schema: pa.Schema) -> Any:
    from deltalake import Schema

    return Schema.from_arrow(schema)


def _add_action(filesystem: pafs.FileSystem, table_path: str, name: str, schema: pa.Schema) -> AddAction:
    path = posixpath.join(table_path, name)
    metadata = pq.read_metadata(path, filesystem=filesystem)
    size = filesystem.get_file_info(path).size or 0
    return AddAction(
        path=name,
        size=int(size),
        partition_values={},
        modification_time=int(time.time() * 1000),
        data_change=True,
        stats=json.dumps(_stats(metadata, schema)),
    )


def _stats(metadata: pq.FileMetaData, schema: pa.Schema) -> dict[str, Any]:
    """numRecords, nullCount and min/max of the top-level columns, as the Delta protocol writes them."""
    nulls: dict[str, int] = {}
    minimum: dict[str, Any] = {}
    maximum: dict[str, Any] = {}
    for index, field in enumerate(schema):
        count = 0
        low: Any = None
        high: Any = None
        known = True
        for group in range(metadata.num_row_groups):
            column = metadata.row_group(group).column(index)
            stats = column.statistics
            if stats is None:
                known = False
                continue
            count += stats.null_count or 0
            if stats.has_min_max:
                low = stats.min if low is None else min(low, stats.min)
                high = stats.max if high is None else max(high, stats.max)
        nulls[field.name] = count
        if known and low is not None and (value := _json_value(low, field.type)) is not None:
            minimum[field.name] = value
            maximum[field.name] = _json_value(high, field.type)
    return {"numRecords": metadata.num_rows, "minValues": minimum, "maxValues": maximum, "nullCount": nulls}


def _json_value(value: Any, data_type: pa.DataType) -> Any:
    if pa.types.is_timestamp(data_type) and isinstance(value, datetime):
        text = value.isoformat(timespec="milliseconds")
        return text.replace("+00:00", "Z") if data_type.tz else text
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, str) and pa.types.is_string(data_type):
        return value[:32]
    return None
