"""The write guard that classifies a table's first write and columns a write adds, from the rows being written.

The writer sees what they write, so nothing masked is read; only the first `sample_rows` rows of the new
columns are kept, in memory, until the stream ends; the suggestions are recorded then (values never are).
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa

from lakemesh.lakehouses.data import BatchCheck
from lakemesh.lakehouses.tables import TableHandle

Record = Callable[[TableHandle, pa.Table], object]  # records suggestions, without auto-accepting


class SampleNewColumns:
    """Keeps the head of the new columns' values; `finish()` hands them to the classifier."""

    def __init__(self, handle: TableHandle, columns: list[str], sample_rows: int, record: Record) -> None:
        self._handle, self._columns, self._limit, self._record = handle, columns, sample_rows, record
        self._batches: list[pa.RecordBatch] = []
        self._rows = 0

    def check(self, batch: pa.RecordBatch) -> None:
        if self._rows >= self._limit:
            return
        head = batch.select(self._columns).slice(0, self._limit - self._rows)
        self._batches.append(head)
        self._rows += head.num_rows

    def finish(self) -> list[str]:
        if self._rows:
            self._record(self._handle, pa.Table.from_batches(self._batches))
        self._batches = []
        return []


def write_guard(sample_rows: int, record: Record) -> Callable[[TableHandle, pa.Schema, str], BatchCheck | None]:
    def guard(handle: TableHandle, schema: pa.Schema, _kind: str) -> BatchCheck | None:
        if handle.table.target_table_id is not None:
            return None
        known = {str(c["name"]).lower() for c in handle.table.columns or []}
        new = [name for name in schema.names if name.lower() not in known]
        return SampleNewColumns(handle, new, sample_rows, record) if new else None

    return guard
