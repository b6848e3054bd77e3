"""CSV and JSON lines carry no types: into an existing table they are parsed with the table's schema.

A CSV is read with every column as text and marked; the write then parses each column as the table's type
(`10.50` into `decimal(18,2)`, `2025-01-31` into a date, `007` stays `007` in a string column). A value that
does not fit is a 422 naming the column and the first row numbers. A CSV that creates a new table gets
Arrow's own type inference, as before. JSON lines keep the types JSON has and are cast the same way.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from lakemesh.core.errors import ErrorItem, InvalidInput
from lakemesh.storage.types import type_name

TEXT_MARK = b"lakemesh.text"
NULL_TEXT = ["", "NULL", "null", "NA", "N/A", "#N/A", "NaN", "nan"]
MAX_ROWS_SHOWN = 5


def mark(reader: pa.RecordBatchReader, fmt: str) -> pa.RecordBatchReader:
    """Tag a reader whose values came from text, so the write knows it may parse them."""
    schema = reader.schema.with_metadata({**(reader.schema.metadata or {}), TEXT_MARK: fmt.encode()})
    return pa.RecordBatchReader.from_batches(schema, (b.replace_schema_metadata(schema.metadata) for b in reader))


def text_format(schema: pa.Schema) -> str | None:
    value = (schema.metadata or {}).get(TEXT_MARK)
    return value.decode() if value else None


def parsed_as(reader: pa.RecordBatchReader, table: pa.Schema) -> pa.RecordBatchReader:
    """Each column the table has, parsed as its type; other columns pass through (the schema check reports them)."""
    by_name = {f.name.lower(): f for f in table}
    fields = [by_name.get(f.name.lower(), f).with_name(f.name) for f in reader.schema]
    target = pa.schema([pa.field(f.name, f.type, nullable=True) for f in fields])

    def batches() -> Iterator[pa.RecordBatch]:
        offset = 0
        for batch in reader:
            arrays, problems = [], []
            for i, field in enumerate(target):
                try:
                    arrays.append(_parse(batch.column(i), field, offset))
                except InvalidInput as refusal:
                    problems.extend(refusal.errors)
            if problems:
                found = "; ".join(f"{p.loc[-1]}: {p.message}" for p in problems)
                raise InvalidInput(
                    f"The data does not fit the table's schema; nothing was written: {found}", errors=problems
                )
            yield pa.RecordBatch.from_arrays(arrays, schema=target)
            offset += batch.num_rows

    return pa.RecordBatchReader.from_batches(target, batches())


def inferred(reader: pa.RecordBatchReader) -> pa.RecordBatchReader:
    """A text-read CSV for a new table: Arrow's CSV type inference on the first batch, applied to every batch."""
    try:
        first = reader.read_next_batch()
    except StopIteration:
        return reader
    schema = _infer(first)

    def batches() -> Iterator[pa.RecordBatch]:
        yield from _reparse(first, schema)
        for batch in reader:
            yield from _reparse(batch, schema)

    return pa.RecordBatchReader.from_batches(schema, batches())


def _as_csv(batch: pa.RecordBatch) -> bytes:
    sink = io.BytesIO()
    pacsv.write_csv(batch, sink)
    return sink.getvalue()


def _infer(batch: pa.RecordBatch) -> pa.Schema:
    return pacsv.read_csv(io.BytesIO(_as_csv(batch))).schema


def _reparse(batch: pa.RecordBatch, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    options = pacsv.ConvertOptions(column_types={f.name: f.type for f in schema})
    table = pacsv.read_csv(io.BytesIO(_as_csv(batch)), convert_options=options).cast(schema)
    yield from table.to_batches()


def _parse(values: pa.Array, field: pa.Field, offset: int) -> pa.Array:
    target = field.type
    if values.type == target:
        return values
    text = pa.types.is_string(values.type) or pa.types.is_large_string(values.type)
    source = values
    if text and not pa.types.is_string(target):
        source = pc.if_else(pc.is_in(pc.utf8_trim_whitespace(values), pa.array(NULL_TEXT)), None, values)
        source = pc.utf8_trim_whitespace(source)
    try:
        return pc.cast(source, target, safe=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    rows = _bad_rows(source, target, offset)
    shown = ", ".join(str(r) for r in rows[:MAX_ROWS_SHOWN])
    more = " and more" if len(rows) > MAX_ROWS_SHOWN else ""
    sample = source[rows[0] - offset - 1].as_py() if rows else None
    message = f"values do not fit the table column's type {type_name(target)} (row(s) {shown}{more}; e.g. {sample!r})"
    item = ErrorItem(("data", field.name), message, {"rows": rows[:MAX_ROWS_SHOWN], "table_type": type_name(target)})
    detail = f"The data does not fit the table's schema; nothing was written: {field.name}: {message}"
    raise InvalidInput(detail, errors=[item])


def _bad_rows(values: pa.Array, target: pa.DataType, offset: int) -> list[int]:
    """1-based data row numbers (the header is not counted) of values that do not cast; stops after a few."""
    found: list[int] = []
    for index in range(len(values)):
        try:
            pc.cast(values.slice(index, 1), target, safe=True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            found.append(offset + index + 1)
            if len(found) > MAX_ROWS_SHOWN:
                break
    return found
