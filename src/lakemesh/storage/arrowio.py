"""Table data in and out of the wire formats users send: Arrow IPC streams, Parquet, CSV and JSON lines."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from lakemesh.core.errors import BadRequest, UnsupportedMediaType
from lakemesh.storage import textcast

ARROW_STREAM = "application/vnd.apache.arrow.stream"
PARQUET = "application/vnd.apache.parquet"
CSV = "text/csv"
NDJSON = "application/x-ndjson"
JSON = "application/json"

_INPUT_TYPES = {
    ARROW_STREAM: "arrow",
    "application/vnd.apache.arrow.file": "arrow",
    PARQUET: "parquet",
    "application/x-parquet": "parquet",
    "application/parquet": "parquet",
    CSV: "csv",
    NDJSON: "ndjson",
    "application/jsonl": "ndjson",
}
OUTPUT_TYPES = {"arrow": ARROW_STREAM, "parquet": PARQUET, "csv": CSV, "json": NDJSON}


def input_format(content_type: str | None) -> str:
    media = (content_type or "").split(";")[0].strip().lower()
    try:
        return _INPUT_TYPES[media]
    except KeyError:
        accepted = ", ".join(sorted({ARROW_STREAM, PARQUET, CSV, NDJSON}))
        raise UnsupportedMediaType(f"Send table data as one of: {accepted} (got {media or 'nothing'})") from None


class DecodeError(BadRequest):
    """The body is not valid data in the format it claims; nothing was written."""


def open_reader(path: Path, fmt: str, *, header: bool = True, delimiter: str = ",") -> pa.RecordBatchReader:
    """A streaming reader over an uploaded file; decoding errors surface as DecodeError.

    `header` and `delimiter` are for CSV: without a header the columns are named `f0`, `f1`, ...
    """
    try:
        reader = _open(path, fmt, header, delimiter)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DecodeError(f"The body is not valid {fmt} data: {_short(exc)}") from exc
    return pa.RecordBatchReader.from_batches(reader.schema, _guarded(reader, fmt))


def _open(path: Path, fmt: str, header: bool = True, delimiter: str = ",") -> pa.RecordBatchReader:
    if fmt == "arrow":
        source = pa.memory_map(str(path))
        try:
            return pa.ipc.open_stream(source)
        except pa.ArrowInvalid:
            return pa.ipc.open_file(source).to_reader()
    if fmt == "parquet":
        # Buffered page-by-page reads: without them pyarrow holds whole column chunks (a row group) in memory.
        parquet = pq.ParquetFile(str(path), pre_buffer=False, buffer_size=1 << 20)
        return pa.RecordBatchReader.from_batches(parquet.schema_arrow, parquet.iter_batches(batch_size=65536))
    if fmt == "csv":
        # Every column as text: the write parses it with the table's types (textcast), or infers them.
        read = pacsv.ReadOptions(autogenerate_column_names=not header)
        parse = pacsv.ParseOptions(delimiter=delimiter)
        names = pacsv.open_csv(str(path), read_options=read, parse_options=parse).schema.names
        options = pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()))
        opened = pacsv.open_csv(str(path), read_options=read, parse_options=parse, convert_options=options)
        return textcast.mark(opened, "csv")
    table = pajson.read_json(str(path))
    return textcast.mark(pa.RecordBatchReader.from_batches(table.schema, table.to_batches()), "ndjson")


def _guarded(reader: pa.RecordBatchReader, fmt: str) -> Iterator[pa.RecordBatch]:
    try:
        yield from reader
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DecodeError(f"The body is not valid {fmt} data: {_short(exc)}") from exc


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def encode(reader: pa.RecordBatchReader, fmt: str) -> Iterator[bytes]:
    """Stream the batches out in `fmt`; Parquet is buffered per row group, the rest per batch."""
    if fmt == "arrow":
        return _encode_arrow(reader)
    if fmt == "parquet":
        return _encode_parquet(reader)
    if fmt == "csv":
        return _encode_csv(reader)
    if fmt == "json":
        return _encode_json(reader)
    raise BadRequest(f"Unknown format {fmt!r}; use arrow, parquet, csv or json")


def _encode_arrow(reader: pa.RecordBatchReader) -> Iterator[bytes]:
    """The IPC stream format by hand: schema message, each batch's own buffer (no copy), end marker."""
    yield reader.schema.serialize().to_pybytes()
    for batch in reader:
        yield memoryview(batch.serialize())  # type: ignore[misc]
    yield b"\xff\xff\xff\xff\x00\x00\x00\x00"


def _encode_parquet(reader: pa.RecordBatchReader) -> Iterator[bytes]:
    sink = io.BytesIO()
    with pq.ParquetWriter(sink, reader.schema) as writer:
        for batch in reader:
            writer.write_batch(batch)
            yield _drain(sink)
    yield _drain(sink)


def _encode_csv(reader: pa.RecordBatchReader) -> Iterator[bytes]:
    sink = io.BytesIO()
    with pacsv.CSVWriter(sink, reader.schema) as writer:
        for batch in reader:
            writer.write_batch(batch)
            yield _drain(sink)
    yield _drain(sink)


def _encode_json(reader: pa.RecordBatchReader) -> Iterator[bytes]:
    for batch in reader:
        lines = [json.dumps(row, default=_json_default, separators=(",", ":")) for row in batch.to_pylist()]
        if lines:
            yield ("\n".join(lines) + "\n").encode()


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _drain(sink: io.BytesIO) -> bytes:
    data = sink.getvalue()
    sink.seek(0)
    sink.truncate()
    return data


def write_arrow_stream(reader: pa.RecordBatchReader | pa.Table, sink: IO[bytes]) -> None:
    """For clients: a pyarrow Table or reader as an Arrow IPC stream body."""
    source = reader.to_reader() if isinstance(reader, pa.Table) else reader
    with pa.ipc.new_stream(sink, source.schema) as writer:
        for batch in source:
            writer.write_batch(batch)


def as_reader(data: Any) -> pa.RecordBatchReader:
    """Whatever tabular data a user has: pyarrow Table or reader, pandas or polars DataFrame, any Arrow stream."""
    if isinstance(data, pa.RecordBatchReader):
        return data
    if isinstance(data, pa.Table):
        return data.to_reader()
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data]).to_reader()
    module = type(data).__module__.split(".")[0]
    if module == "pandas":
        return pa.Table.from_pandas(data, preserve_index=False).to_reader()
    if module == "polars":
        return data.to_arrow().to_reader()
    if hasattr(data, "__arrow_c_stream__"):
        return pa.RecordBatchReader.from_stream(data)
    raise TypeError(f"Cannot write a {type(data).__name__}; pass a pyarrow Table, a pandas or polars DataFrame")
