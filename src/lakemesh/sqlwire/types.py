"""Arrow columns as PostgreSQL types: the OID a client sees and the text or binary bytes of each value."""

from __future__ import annotations

import datetime as dt
import math
import struct
from collections.abc import Callable
from decimal import Decimal, localcontext
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa

BOOL, BYTEA, INT8, INT2, INT4, TEXT, FLOAT4, FLOAT8 = 16, 17, 20, 21, 23, 25, 700, 701
UNKNOWN, DATE, TIMESTAMP, TIMESTAMPTZ, NUMERIC, VARCHAR, OID, NAME = 705, 1082, 1114, 1184, 1700, 1043, 26, 19
_EPOCH_DATE = dt.date(2000, 1, 1)
_EPOCH = dt.datetime(2000, 1, 1)
_EPOCH_TZ = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
Encoder = Callable[[Any], bytes]

TYPE_SIZES = {BOOL: 1, INT2: 2, INT4: 4, INT8: 8, FLOAT4: 4, FLOAT8: 8, DATE: 4, TIMESTAMP: 8, TIMESTAMPTZ: 8}


def pg_type(arrow: pa.DataType) -> int:
    """The PostgreSQL type a column is shown as; anything without a match travels as text."""
    if pa.types.is_boolean(arrow):
        return BOOL
    if pa.types.is_int8(arrow) or pa.types.is_int16(arrow) or pa.types.is_uint8(arrow):
        return INT2
    if pa.types.is_int32(arrow) or pa.types.is_uint16(arrow):
        return INT4
    if pa.types.is_int64(arrow) or pa.types.is_uint32(arrow):
        return INT8
    if pa.types.is_float16(arrow) or pa.types.is_float32(arrow):
        return FLOAT4
    if pa.types.is_floating(arrow):
        return FLOAT8
    if pa.types.is_decimal(arrow) or pa.types.is_uint64(arrow):
        return NUMERIC
    if pa.types.is_date(arrow):
        return DATE
    if pa.types.is_timestamp(arrow):
        return TIMESTAMPTZ if arrow.tz else TIMESTAMP
    if pa.types.is_binary(arrow) or pa.types.is_large_binary(arrow):
        return BYTEA
    return TEXT


def prepare_column(column: pa.ChunkedArray | pa.Array) -> list[Any]:
    """Python values of a column, with timestamps normalised to UTC (what timestamptz means on the wire)."""
    if pa.types.is_timestamp(column.type) and column.type.tz:
        column = column.cast(pa.timestamp(column.type.unit, tz="UTC"))
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    return column.to_pylist()  # type: ignore[no-any-return]


# -- text format ---------------------------------------------------------------------------------------


def float_text(value: float, *, single: bool = False) -> bytes:
    """A float as PostgreSQL 12+ prints it: the shortest digits that read back the same value, in fixed notation for
    decimal exponents from -4 up to 15 (6 for real), else d.ddde+XX; NaN, Infinity, -Infinity and -0 as such."""
    if math.isnan(value):
        return b"NaN"
    if math.isinf(value):
        return b"Infinity" if value > 0 else b"-Infinity"
    if value == 0:
        return b"-0" if math.copysign(1.0, value) < 0 else b"0"
    shortest = np.format_float_scientific(np.float32(value) if single else np.float64(value), unique=True)
    mantissa, exponent_text = shortest.split("e")
    sign = "-" if mantissa.startswith("-") else ""
    digits = mantissa.lstrip("-").replace(".", "").rstrip("0") or "0"
    exponent = int(exponent_text)
    if -4 <= exponent < (6 if single else 15):
        if exponent < 0:
            return f"{sign}0.{'0' * (-exponent - 1)}{digits}".encode()
        whole, fraction = digits[: exponent + 1].ljust(exponent + 1, "0"), digits[exponent + 1 :]
        return f"{sign}{whole}{'.' + fraction if fraction else ''}".encode()
    point = f"{digits[0]}.{digits[1:]}" if len(digits) > 1 else digits
    return f"{sign}{point}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}".encode()


def timestamp_text(value: dt.datetime) -> bytes:
    """A timestamp as PostgreSQL prints it (ISO DateStyle): fraction without trailing zeros, zone as +HH[:MM]."""
    text = f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    offset = value.utcoffset()
    if offset is not None:
        text += offset_text(int(offset.total_seconds()))
    return text.encode()


def zone_info(zone: str) -> dt.tzinfo:
    """A session zone (an IANA name, or a fixed offset `+05:30` east of UTC) as a tzinfo."""
    if zone[0] not in "+-":
        return ZoneInfo(zone)
    minutes = int(zone[1:3]) * 60 + int(zone[4:6])
    return dt.timezone(dt.timedelta(minutes=-minutes if zone[0] == "-" else minutes))


def offset_text(seconds: int) -> str:
    """A UTC offset as PostgreSQL prints it: `+01`, `+05:30`, `+00:53:28` (local mean time)."""
    hours, rest = divmod(abs(seconds), 3600)
    minutes, rest = divmod(rest, 60)
    text = f"{'-' if seconds < 0 else '+'}{hours:02d}"
    return text + (f":{minutes:02d}" if minutes or rest else "") + (f":{rest:02d}" if rest else "")


def _text(value: Any) -> bytes:
    if isinstance(value, bool):
        return b"t" if value else b"f"
    if isinstance(value, float):
        return float_text(value)
    if isinstance(value, Decimal):
        return format(value, "f").encode()
    if isinstance(value, dt.datetime):
        return timestamp_text(value)
    if isinstance(value, bytes):
        return b"\\x" + value.hex().encode()
    if isinstance(value, list | dict):
        import json

        return json.dumps(value, default=str).encode()
    return str(value).encode()


def text_encoder(oid: int) -> Encoder:
    """Encoder for the text format; one for every type (str() for the simple ones)."""
    if oid in (INT2, INT4, INT8):
        return lambda v: str(v).encode()
    if oid == TEXT:
        return lambda v: v.encode() if isinstance(v, str) else _text(v)
    if oid == FLOAT4:
        return lambda v: float_text(v, single=True)
    return _text


# -- binary format -------------------------------------------------------------------------------------


def _numeric_binary(value: Any) -> bytes:
    """PostgreSQL's numeric: base-10000 digits with a weight, a sign and the display scale."""
    number = Decimal(value)
    if number.is_nan():
        return struct.pack("!hhHh", 0, 0, 0xC000, 0)
    exponent = number.as_tuple().exponent
    scale = max(0, -exponent) if isinstance(exponent, int) else 0
    integer, _, fraction = format(number.copy_abs(), "f").partition(".")
    integer = integer.lstrip("0")
    integer = "0" * (-len(integer) % 4) + integer
    fraction = fraction + "0" * (-len(fraction) % 4)
    groups = [int(integer[i : i + 4]) for i in range(0, len(integer), 4)]
    groups += [int(fraction[i : i + 4]) for i in range(0, len(fraction), 4)]
    weight = len(integer) // 4 - 1
    while groups and groups[0] == 0:  # leading zero groups only shift the weight
        groups.pop(0)
        weight -= 1
    while groups and groups[-1] == 0:
        groups.pop()
    if not groups:
        weight = 0
    head = struct.pack("!hhHh", len(groups), weight, 0x4000 if number.is_signed() else 0, scale)
    return head + struct.pack(f"!{len(groups)}h", *groups)


def _timestamp_binary(value: dt.datetime) -> bytes:
    delta = value - (_EPOCH_TZ if value.tzinfo is not None else _EPOCH)
    return struct.pack("!q", (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds)


_BINARY: dict[int, Encoder] = {
    BOOL: lambda v: b"\x01" if v else b"\x00",
    INT2: struct.Struct("!h").pack,
    INT4: struct.Struct("!i").pack,
    INT8: struct.Struct("!q").pack,
    FLOAT4: struct.Struct("!f").pack,
    FLOAT8: struct.Struct("!d").pack,
    NUMERIC: _numeric_binary,
    DATE: lambda v: struct.pack("!i", (v - _EPOCH_DATE).days),
    TIMESTAMP: _timestamp_binary,
    TIMESTAMPTZ: _timestamp_binary,
    BYTEA: bytes,
}


def binary_encoder(oid: int) -> Encoder:
    """Encoder for the binary format; types without one fall back to their text bytes (as `text`)."""
    return _BINARY.get(oid, _text)


# -- parameters ----------------------------------------------------------------------------------------


def decode_parameter(raw: bytes | None, oid: int, binary: bool) -> Any:
    """A bind parameter as a Python value, from the type the client declared (0 = let the query decide)."""
    if raw is None:
        return None
    if binary:
        return _decode_binary(raw, oid)
    text = raw.decode()
    if oid in (INT2, INT4, INT8, OID):
        return int(text)
    if oid in (FLOAT4, FLOAT8):
        return float(text)
    if oid == NUMERIC:
        return Decimal(text)
    if oid == BOOL:
        return text.lower() in ("t", "true", "1", "on", "yes", "y")
    if oid == DATE:
        return dt.date.fromisoformat(text)
    if oid in (TIMESTAMP, TIMESTAMPTZ):
        return dt.datetime.fromisoformat(text)
    return text


def _decode_binary(raw: bytes, oid: int) -> Any:
    if oid == BOOL:
        return raw != b"\x00"
    if oid == INT2:
        return struct.unpack("!h", raw)[0]
    if oid in (INT4, OID):
        return struct.unpack("!i", raw)[0]
    if oid == INT8:
        return struct.unpack("!q", raw)[0]
    if oid == FLOAT4:
        return struct.unpack("!f", raw)[0]
    if oid == FLOAT8:
        return struct.unpack("!d", raw)[0]
    if oid == DATE:
        return _EPOCH_DATE + dt.timedelta(days=struct.unpack("!i", raw)[0])
    if oid == TIMESTAMP:
        return _EPOCH + dt.timedelta(microseconds=struct.unpack("!q", raw)[0])
    if oid == TIMESTAMPTZ:
        return _EPOCH_TZ + dt.timedelta(microseconds=struct.unpack("!q", raw)[0])
    if oid == NUMERIC:
        return _decode_numeric(raw)
    if oid == BYTEA:
        return raw
    return raw.decode()


def _decode_numeric(raw: bytes) -> Decimal:
    count, weight, sign, scale = struct.unpack("!hhHh", raw[:8])
    if sign == 0xC000:
        return Decimal("NaN")
    groups = struct.unpack(f"!{count}h", raw[8 : 8 + 2 * count])
    with localcontext() as context:
        context.prec = 4 * len(groups) + scale + 8  # exact: numeric has far more digits than the default 28
        value = Decimal(0)
        for i, group in enumerate(groups):
            value += Decimal(group).scaleb(4 * (weight - i))
        value = value.quantize(Decimal(1).scaleb(-scale))
    return -value if sign == 0x4000 else value
