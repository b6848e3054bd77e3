"""DataRow messages built column-wise for a whole batch: each column becomes per-row byte lengths plus parts (numpy
arrays of fixed-width values, Arrow binary arrays for the rest); consecutive fixed-width values of all columns (the
row header, length prefixes, binary integers, ...) become the fields of one numpy record array, and one Arrow join
per batch interleaves those records with the variable-width parts. Python loops per value only where no
kernel spells a value as PostgreSQL does (rare floats and decimals, nested types), and for those values only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lakemesh.sqlwire import types

_EPOCH_DAYS = 10957  # 2000-01-01 - 1970-01-01
_EPOCH_MICROS = _EPOCH_DAYS * 86_400_000_000
_FIXED = {types.INT2: ">i2", types.INT4: ">i4", types.INT8: ">i8", types.FLOAT4: ">f4", types.FLOAT8: ">f8"}
_YEAR_1000, _YEAR_10000 = -30_610_224_000_000_000, 253_402_300_800_000_000  # in microseconds since 1970
_INTEGERS = (types.INT2, types.INT4, types.INT8)


@dataclass(frozen=True)
class Fixed:
    """One value per row, written as `wire` (e.g. big-endian int32): every cell has the same width."""

    values: np.ndarray
    wire: np.dtype[Any]

    @staticmethod
    def of(values: np.ndarray, wire: str) -> Fixed:
        return Fixed(values, np.dtype(wire))

    def bytes_matrix(self) -> np.ndarray:
        data = np.ascontiguousarray(self.values.astype(self.wire))
        return data.view(np.uint8).reshape(len(data), self.wire.itemsize)


Part: TypeAlias = Fixed | pa.Array  # fixed-width values, or one binary cell per row


@dataclass
class Cells:
    """One column of a batch on the wire: the byte length of each cell (-1 for NULL) and its bytes, in parts that
    are written one after the other."""

    lengths: np.ndarray
    parts: list[Part]


def _numpy(column: pa.Array, fill: object = 0) -> np.ndarray:
    values: np.ndarray = column.fill_null(fill).to_numpy(zero_copy_only=False)
    return values


def _fixed(column: pa.Array, part: Fixed) -> Cells:
    lengths = np.full(len(column), part.wire.itemsize, np.int64)
    if column.null_count:
        lengths[~_numpy(column.is_valid(), False).astype(bool)] = -1
    return Cells(lengths, [part])


def _void(matrix: np.ndarray) -> Fixed:
    """A (rows, width) byte matrix as one opaque fixed-width value per row."""
    matrix = np.ascontiguousarray(matrix)
    wire = np.dtype((np.void, matrix.shape[1]))
    return Fixed(matrix.view(wire).reshape(len(matrix)), wire)


def _variable(column: pa.Array, cells: pa.Array) -> Cells:
    """Cells of varying width (NULL where `column` is NULL). When they all have the same width (codes, ids, dates)
    they are fixed-width values instead, which join the neighbouring fixed-width fields for free."""
    cells = cells.cast(pa.binary())
    offsets = np.frombuffer(cells.buffers()[1], np.int32, len(cells) + 1, cells.offset * 4)
    lengths = np.diff(offsets).astype(np.int64)
    if column.null_count or cells.null_count:
        lengths[~_numpy(cells.is_valid(), False).astype(bool)] = -1
    elif len(lengths) and 0 < lengths[0] == lengths.min() == lengths.max():
        return Cells(lengths, [_void(_matrix_of(cells, int(lengths[0])))])
    return Cells(lengths, [cells])


def _python(column: pa.Array, encode: types.Encoder) -> Cells:
    return _variable(column, _python_array(column, encode))


def _python_array(column: pa.Array, encode: types.Encoder) -> pa.Array:
    return pa.array([None if v is None else encode(v) for v in types.prepare_column(column)], pa.binary())


def _patched(column: pa.Array, text: pa.Array, wrong: np.ndarray, encode: types.Encoder) -> pa.Array:
    """`text` with the cells marked `wrong` spelled again by the per-value encoder (only those are converted)."""
    if not wrong.any():
        return text
    mask = pa.array(wrong)
    fixes = _python_array(column.filter(mask), encode)
    return pc.replace_with_mask(text.cast(pa.binary()), mask, fixes)


# -- binary format -------------------------------------------------------------------------------------


def _numeric_matrix(column: pa.Array) -> np.ndarray | None:
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
    whole, part = np.divmod(magnitude, 10**scale)
    part *= 10 ** (padded_scale - scale)
    whole_groups = max(1, -(-(column.type.precision - scale) // 4))
    fraction = padded_scale // 4
    groups = whole_groups + fraction
    head = np.array([(groups, whole_groups - 1, 0, scale)], dtype=">i2").view(np.uint8)
    matrix = np.empty((len(column), 8 + 2 * groups), np.uint8)
    matrix[:, :8] = head
    matrix[:, 4:6] = np.where(low < 0, 0x4000, 0).astype(">u2").view(np.uint8).reshape(len(column), 2)
    digits = np.empty((len(column), groups), np.int16)
    for k in range(whole_groups):  # most significant group first
        whole, digits[:, whole_groups - 1 - k] = np.divmod(whole, 10000)
    for k in range(fraction):
        part, digits[:, groups - 1 - k] = np.divmod(part, 10000)
    matrix[:, 8:] = digits.astype(">i2").view(np.uint8)
    return matrix


def _binary_cells(column: pa.Array, oid: int) -> Cells:
    if oid == types.NUMERIC and (numeric := _numeric_matrix(column)) is not None:
        return _fixed(column, _void(numeric))
    if oid in _FIXED:
        values = column.cast(pa.int64()) if oid in _INTEGERS else column
        return _fixed(column, Fixed.of(_numpy(values), _FIXED[oid]))
    if oid == types.BOOL:
        return _fixed(column, Fixed.of(_numpy(column, False), "u1"))
    if oid == types.DATE:
        return _fixed(column, Fixed.of(_numpy(column.cast(pa.int32())) - _EPOCH_DAYS, ">i4"))
    if oid in (types.TIMESTAMP, types.TIMESTAMPTZ):
        micros = _numpy(column.cast(pa.timestamp("us", tz=column.type.tz)).cast(pa.int64()))
        return _fixed(column, Fixed.of(micros - _EPOCH_MICROS, ">i8"))
    if oid in (types.TEXT, types.BYTEA) and _is_bytes(column.type):
        return _variable(column, column)
    return _python(column, types.binary_encoder(oid))


def _is_bytes(arrow: pa.DataType) -> bool:
    kinds = (pa.types.is_string, pa.types.is_large_string, pa.types.is_binary, pa.types.is_large_binary)
    return any(kind(arrow) for kind in kinds)


# -- text format ---------------------------------------------------------------------------------------


def _float_text(column: pa.Array, oid: int) -> Cells:
    """Arrow's shortest round-trip digits where Arrow and PostgreSQL both write them in fixed notation; the values
    PostgreSQL writes with an exponent (below 1e-4, from 1e15 or 1e6 for real), NaN, Infinity, and those from 1e10
    on (Arrow's exponent starts there) are spelled by the per-value encoder."""
    text = column.cast(pa.string())
    magnitude = np.abs(_numpy(column, 1.0).astype(np.float64))
    upper = 1e6 if oid == types.FLOAT4 else 1e10
    with np.errstate(invalid="ignore"):
        wrong = ~((magnitude >= 1e-4) & (magnitude < upper)) & (magnitude != 0)
    return _variable(column, _patched(column, text, wrong, types.text_encoder(oid)))


def _decimal_text(column: pa.Array) -> Cells:
    """Arrow writes a decimal whose adjusted exponent is below -6 as 1E-10 (possible only with a scale above 6, or
    a negative one); PostgreSQL always in full (0.0000000001)."""
    text = column.cast(pa.string())
    if 0 <= column.type.scale <= 6:
        return _variable(column, text)
    wrong = _numpy(pc.match_substring(text, "E"), False).astype(bool)
    return _variable(column, _patched(column, text, wrong, types.text_encoder(types.NUMERIC)))


def _timestamp_text(column: pa.Array, zone: str) -> Cells:
    """`YYYY-MM-DD HH:MM:SS`, then `.ffffff` without trailing zeros when there is a fraction, then for timestamptz
    the offset of the session's TimeZone at that moment (`+00`, `+01`, `+05:30`), with the wall-clock time in that
    zone: the whole seconds by Arrow, the fraction and the offsets in numpy."""
    utc = column.cast(pa.timestamp("us", tz=column.type.tz))
    local = utc if not column.type.tz or zone == "UTC" else pc.local_timestamp(utc.cast(pa.timestamp("us", tz=zone)))
    micros = _numpy(local.cast(pa.int64()))
    if len(micros) and (micros.min() < _YEAR_1000 or micros.max() >= _YEAR_10000):
        return _python(column, _zoned_text(types.text_encoder(types.pg_type(column.type)), zone))  # Arrow's years
    seconds, fraction = np.divmod(micros, 1_000_000)
    whole = pa.array(seconds, pa.timestamp("s")).cast(pa.string()).cast(pa.binary())
    parts: list[Part] = [_void(_matrix_of(whole, 19))]
    lengths = np.full(len(column), 19, np.int64)
    if fraction.any():
        width = np.where(fraction == 0, 0, 7)
        for k in range(1, 6):  # drop trailing zero digits
            width -= (fraction % 10**k == 0) & (fraction != 0)
        digits = np.empty((len(column), 7), np.uint8)
        digits[:, 0] = ord(".")
        for k in range(6):
            digits[:, 1 + k] = fraction // 10 ** (5 - k) % 10 + ord("0")
        kept = digits[np.arange(7) < width[:, None]]
        offsets = np.concatenate([[0], np.cumsum(width)]).astype(np.int32)
        parts.append(pa.Array.from_buffers(pa.binary(), len(column), [None, pa.py_buffer(offsets), pa.py_buffer(kept)]))
        lengths += width
    if column.type.tz and local is utc:
        utc_zone = np.dtype((np.void, 3))
        parts.append(Fixed(np.broadcast_to(np.frombuffer(b"+00", utc_zone), (len(column),)), utc_zone))
        lengths += 3
    elif column.type.tz:  # a few distinct offsets (standard and summer time): each spelled once
        shift = (micros - _numpy(utc.cast(pa.int64()))) // 1_000_000
        distinct, which = np.unique(shift, return_inverse=True)
        spelled = [types.offset_text(int(seconds)).encode() for seconds in distinct]
        which = which.reshape(-1)
        parts.append(pa.array(spelled, pa.binary()).take(pa.array(which)))
        lengths += np.array([len(text) for text in spelled], np.int64)[which]
    if column.null_count:
        lengths[~_numpy(column.is_valid(), False).astype(bool)] = -1
    return Cells(lengths, parts)


def _zoned_text(encode: types.Encoder, zone: str) -> types.Encoder:
    """The per-value encoder with timestamptz values moved to the session's TimeZone first (a timestamp without
    a time zone is printed as it is)."""
    if zone == "UTC":
        return encode
    where = types.zone_info(zone)
    return lambda value: encode(value.astimezone(where) if getattr(value, "tzinfo", None) else value)


def _matrix_of(cells: pa.Array, width: int) -> np.ndarray:
    """Binary cells that all have `width` bytes, as a (rows, width) matrix over the same memory."""
    offsets = np.frombuffer(cells.buffers()[1], np.int32, len(cells) + 1, cells.offset * 4)
    data = np.frombuffer(cells.buffers()[2], np.uint8, offsets[-1] - offsets[0], offsets[0])
    return data.reshape(len(cells), width)


def _text_cells(column: pa.Array, oid: int, zone: str = "UTC") -> Cells:
    if oid in _INTEGERS or oid == types.DATE or (oid == types.NUMERIC and not pa.types.is_decimal(column.type)):
        return _variable(column, column.cast(pa.string()))
    if oid == types.NUMERIC:
        return _decimal_text(column)
    if oid in (types.FLOAT4, types.FLOAT8):
        return _float_text(column, oid)
    if oid == types.BOOL:
        return _fixed(column, Fixed.of(np.where(_numpy(column, False), ord("t"), ord("f")), "u1"))
    if oid in (types.TIMESTAMP, types.TIMESTAMPTZ):
        return _timestamp_text(column, zone)
    if oid == types.TEXT and (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return _variable(column, column)
    return _python(column, types.text_encoder(oid))


# -- DataRow messages ----------------------------------------------------------------------------------


def _records(run: list[Fixed]) -> np.ndarray:
    """The fixed-width values of a run side by side: one record per row (one numpy pass per field)."""
    offsets = np.cumsum([0] + [part.wire.itemsize for part in run])
    names = [f"f{i}" for i in range(len(run))]
    layout = np.dtype({"names": names, "formats": [part.wire for part in run], "offsets": offsets[:-1].tolist(),
                       "itemsize": int(offsets[-1])})  # fmt: skip
    records = np.empty(len(run[0].values), layout)
    for name, part in zip(names, run, strict=True):
        records[name] = part.values
    return records


def _fixed_segment(run: list[Fixed]) -> pa.Array:
    records = _records(run)
    width = records.dtype.itemsize
    cells = pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), len(records), [None, pa.py_buffer(records)])
    return cells.cast(pa.binary())


def _variable_segment(part: Part, valid: np.ndarray | None) -> pa.Array:
    """A part written as varying-width bytes: nothing at all in a NULL cell."""
    if isinstance(part, Fixed):
        matrix = part.bytes_matrix()
        bitmap = None if valid is None else pa.array(valid).buffers()[1]
        cells = pa.FixedSizeBinaryArray.from_buffers(
            pa.binary(matrix.shape[1]), len(matrix), [bitmap, pa.py_buffer(matrix)]
        )
        return cells.cast(pa.binary())
    if valid is not None and part.null_count != int((~valid).sum()):
        part = pc.if_else(pa.array(valid), part, pa.scalar(None, pa.binary()))
    return part.cast(pa.binary())


def _rows(count: int, columns: list[Cells]) -> bytes:
    sizes = np.full(count, 6, np.int64)  # length field + field count
    for cells in columns:
        sizes += 4 + np.maximum(cells.lengths, 0)
    kind, fields = np.dtype("S1"), np.dtype(">i2")
    run: list[Fixed] = [Fixed(np.broadcast_to(np.array(b"D", kind), (count,)), kind), Fixed.of(sizes, ">i4"),
                        Fixed(np.broadcast_to(np.array(len(columns), fields), (count,)), fields)]  # fmt: skip
    segments: list[pa.Array] = []
    for cells in columns:
        run.append(Fixed.of(cells.lengths, ">i4"))
        valid = cells.lengths >= 0
        nulls = None if valid.all() else valid
        for part in cells.parts:
            if isinstance(part, Fixed) and nulls is None:
                run.append(part)
                continue
            if run:
                segments.append(_fixed_segment(run))
                run = []
            segments.append(_variable_segment(part, nulls))
    if not segments:
        return _records(run).tobytes()
    if run:
        segments.append(_fixed_segment(run))
    rows = pc.binary_join_element_wise(*segments, b"", null_handling="replace", null_replacement=b"")
    offsets = np.frombuffer(rows.buffers()[1], np.int32, len(rows) + 1, rows.offset * 4)
    data: bytes = rows.buffers()[2][int(offsets[0]) : int(offsets[-1])].to_pybytes()
    return data


def column_cells(column: pa.Array, fmt: int, zone: str = "UTC") -> Cells:
    """One column of a batch in the result format the client asked for (0 text, 1 binary); `zone`: the session's
    TimeZone, which timestamptz text is written in (binary is always UTC microseconds)."""
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    oid = types.pg_type(column.type)
    return _binary_cells(column, oid) if fmt == 1 else _text_cells(column, oid, zone)


def data_rows(table: pa.Table, formats: Sequence[int], start: int, stop: int, zone: str = "UTC") -> bytes:
    """DataRow messages for rows [start, stop) of `table`, timestamptz text in `zone` (an IANA name)."""
    part = table.slice(start, stop - start).combine_chunks()
    count = part.num_rows
    if count == 0:
        return b""
    columns = []
    for fmt, chunked in zip(formats, part.columns, strict=False):
        column = chunked.combine_chunks() if isinstance(chunked, pa.ChunkedArray) else chunked
        columns.append(column_cells(column, fmt, zone))
    return _rows(count, columns)
