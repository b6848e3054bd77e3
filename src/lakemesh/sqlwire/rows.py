"""DataRow messages built column-wise in Arrow: each column becomes length-prefixed cells in one vectorised
step, the cells are joined row by row, and the rows are one contiguous buffer — Python never loops per value
except for the few encodings Arrow has no kernel for (binary numeric, nested types)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lakemesh.sqlwire import types

_NULL_CELL = b"\xff\xff\xff\xff"
_EPOCH_DAYS = 10957  # 2000-01-01 - 1970-01-01
_EPOCH_MICROS = _EPOCH_DAYS * 86_400_000_000
_FIXED = {types.INT2: ">i2", types.INT4: ">i4", types.INT8: ">i8", types.FLOAT4: ">f4", types.FLOAT8: ">f8"}


def _fixed(values: np.ndarray, dtype: str) -> pa.Array:
    """A numpy array as big-endian fixed-width binary cells."""
    data = np.ascontiguousarray(values.astype(dtype))
    width = data.dtype.itemsize
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), len(data), [None, pa.py_buffer(data.tobytes())])


def _numpy(column: pa.Array, fill: object = 0) -> np.ndarray:
    values: np.ndarray = column.fill_null(fill).to_numpy(zero_copy_only=False)
    return values


def _python(column: pa.Array, encode: types.Encoder) -> pa.Array:
    return pa.array([None if v is None else encode(v) for v in types.prepare_column(column)], pa.binary())


def _numeric_cells(column: pa.Array) -> pa.Array | None:
    """PostgreSQL binary numeric for a decimal column whose unscaled values fit in 64 bits, vectorised: a fixed
    number of base-10000 digits per value (leading and trailing zero digits are valid, clients sum them)."""
    if not pa.types.is_decimal128(column.type) or column.type.precision > 18 or len(column) == 0:
        return None
    scale = column.type.scale
    words = np.frombuffer(column.buffers()[1], dtype=np.int64, count=2 * (len(column) + column.offset))
    low, high = words[2 * column.offset :: 2], words[2 * column.offset + 1 :: 2]
    if not np.array_equal(high, np.where(low < 0, -1, 0)):
        return None
    padded_scale = -(-scale // 4) * 4
    if padded_scale > 16:
        return None
    magnitude = np.abs(low)
    whole, part = magnitude // 10**scale, (magnitude % 10**scale) * 10 ** (padded_scale - scale)
    whole_groups = max(1, -(-(column.type.precision - scale) // 4))
    fraction = padded_scale // 4
    groups = whole_groups + fraction
    layout = [("n", ">i2"), ("weight", ">i2"), ("sign", ">u2"), ("scale", ">i2"), ("digits", ">i2", (groups,))]
    cells = np.zeros(len(column), dtype=layout)
    cells["n"], cells["weight"], cells["scale"] = groups, whole_groups - 1, scale
    cells["sign"] = np.where(low < 0, 0x4000, 0)
    for k in range(whole_groups):  # most significant group first
        cells["digits"][:, whole_groups - 1 - k] = (whole // 10000**k) % 10000
    for k in range(fraction):
        cells["digits"][:, groups - 1 - k] = (part // 10000**k) % 10000
    width = cells.dtype.itemsize
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), len(cells), [None, pa.py_buffer(cells.tobytes())])


def _binary_cells(column: pa.Array, oid: int) -> pa.Array:
    if oid == types.NUMERIC and (numeric := _numeric_cells(column)) is not None:
        return numeric
    if oid in _FIXED:
        return _fixed(_numpy(column.cast(pa.int64()) if oid in (types.INT2, types.INT4, types.INT8) else column),
                      _FIXED[oid])  # fmt: skip
    if oid == types.BOOL:
        return _fixed(_numpy(column, False).astype(np.uint8), "u1")
    if oid == types.DATE:
        return _fixed(_numpy(column.cast(pa.int32())) - _EPOCH_DAYS, ">i4")
    if oid in (types.TIMESTAMP, types.TIMESTAMPTZ):
        unit = pa.timestamp("us", tz=column.type.tz)
        return _fixed(_numpy(column.cast(unit).cast(pa.int64())) - _EPOCH_MICROS, ">i8")
    if oid == types.TEXT and (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return column.cast(pa.binary())
    if oid == types.BYTEA:
        return column.cast(pa.binary())
    return _python(column, types.binary_encoder(oid))


def _text_cells(column: pa.Array, oid: int) -> pa.Array:
    if oid in (types.INT2, types.INT4, types.INT8, types.NUMERIC, types.DATE) and not pa.types.is_uint64(column.type):
        return column.cast(pa.string()).cast(pa.binary())
    if oid in (types.FLOAT4, types.FLOAT8):
        if pc.any(pc.or_(pc.is_nan(column), pc.is_inf(column))).as_py():
            return _python(column, types.text_encoder(oid))  # NaN and Infinity are spelled the PostgreSQL way
        return column.cast(pa.string()).cast(pa.binary())
    if oid == types.BOOL:
        return pc.if_else(column, b"t", b"f").cast(pa.binary())
    if oid in (types.TIMESTAMP, types.TIMESTAMPTZ):
        wall = column.cast(pa.timestamp("us", tz="UTC")).cast(pa.timestamp("us")) if column.type.tz else column
        text = wall.cast(pa.timestamp("us")).cast(pa.string())
        if column.type.tz:
            text = pc.binary_join_element_wise(text, "+00", "")
        return text.cast(pa.binary())
    if oid == types.TEXT and (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return column.cast(pa.binary())
    return _python(column, types.text_encoder(oid))


def _with_length(cells: pa.Array, valid: pa.Array | None) -> tuple[pa.Array, np.ndarray]:
    """Each cell prefixed by its byte length (-1 and no bytes for NULL); also the total bytes per row."""
    cells = cells.cast(pa.binary())
    lengths = _numpy(pc.binary_length(cells)).astype(np.int64)
    if valid is not None:
        lengths = np.where(valid, lengths, -1)
    prefix = _fixed(lengths, ">i4")
    body = cells if valid is None else pc.if_else(pa.array(valid), cells, b"")
    return pc.binary_join_element_wise(prefix.cast(pa.binary()), body.cast(pa.binary()), b""), np.maximum(
        lengths, 0
    ) + 4


def data_rows(table: pa.Table, formats: Sequence[int], start: int, stop: int) -> bytes:
    """DataRow messages for rows [start, stop) of `table`."""
    part = table.slice(start, stop - start).combine_chunks()
    count = part.num_rows
    if count == 0:
        return b""
    if not part.num_columns:
        return bytes((b"D" + (6).to_bytes(4, "big") + (0).to_bytes(2, "big")) * count)
    cells, sizes = [], np.zeros(count, np.int64)
    for field, fmt, chunked in zip(part.schema, formats, part.columns, strict=False):
        column = chunked.combine_chunks() if isinstance(chunked, pa.ChunkedArray) else chunked
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        oid = types.pg_type(field.type)
        encoded = _binary_cells(column, oid) if fmt == 1 else _text_cells(column, oid)
        valid = None if column.null_count == 0 else _numpy(column.is_valid(), False).astype(bool)
        joined, size = _with_length(encoded, valid)
        cells.append(joined)
        sizes += size
    head = np.zeros(count, dtype=[("kind", "S1"), ("length", ">i4"), ("columns", ">i2")])
    head["kind"], head["length"], head["columns"] = b"D", sizes + 6, part.num_columns
    heads = pa.FixedSizeBinaryArray.from_buffers(pa.binary(7), count, [None, pa.py_buffer(head.tobytes())])
    rows = pc.binary_join_element_wise(heads.cast(pa.binary()), *cells, b"").cast(pa.large_binary())
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64, count=len(rows) + 1, offset=rows.offset * 8)
    data: bytes = rows.buffers()[2].to_pybytes()[offsets[0] : offsets[-1]]
    return data
