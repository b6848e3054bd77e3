"""Arrow type names as users write them in JSON (`string`, `int64`, `decimal(18,2)`, `timestamp[us, tz=UTC]`)."""

from __future__ import annotations

import re

import pyarrow as pa

from lakemesh.core.errors import invalid

_SIMPLE: dict[str, pa.DataType] = {
    "string": pa.string(),
    "utf8": pa.string(),
    "large_string": pa.large_string(),
    "bool": pa.bool_(),
    "boolean": pa.bool_(),
    "int8": pa.int8(),
    "int16": pa.int16(),
    "int32": pa.int32(),
    "int": pa.int32(),
    "integer": pa.int64(),
    "int64": pa.int64(),
    "long": pa.int64(),
    "bigint": pa.int64(),
    "float": pa.float32(),
    "float32": pa.float32(),
    "double": pa.float64(),
    "float64": pa.float64(),
    "date": pa.date32(),
    "date32": pa.date32(),
    "date32[day]": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "timestamp_ntz": pa.timestamp("us"),
    "binary": pa.binary(),
}
_DECIMAL = re.compile(r"^decimal(?:128)?\(\s*(\d+)\s*,\s*(\d+)\s*\)$")
_TIMESTAMP = re.compile(r"^timestamp\[(s|ms|us|ns)(?:,\s*tz=([A-Za-z0-9_/+:-]+))?\]$")


def parse_type(text: str, field: str = "type") -> pa.DataType:
    name = text.strip().lower()
    if name in _SIMPLE:
        return _SIMPLE[name]
    if match := _DECIMAL.match(name):
        precision, scale = int(match.group(1)), int(match.group(2))
        if not 1 <= precision <= 38 or scale > precision:
            raise invalid(field, f"{text!r}: decimal precision must be 1..38 and scale at most the precision")
        return pa.decimal128(precision, scale)
    if match := _TIMESTAMP.match(text.strip()):
        return pa.timestamp(match.group(1), tz=match.group(2))
    raise invalid(field, f"{text!r} is not a column type; use string, int64, double, boolean, date, timestamp, ...")


# Arrow's spelling of the types the docs name differently; one vocabulary everywhere a type is shown.
_SHOWN: dict[pa.DataType, str] = {
    pa.bool_(): "boolean",
    pa.date32(): "date",
    pa.timestamp("us", tz="UTC"): "timestamp",
    pa.timestamp("us"): "timestamp_ntz",
}


def type_name(data_type: pa.DataType) -> str:
    """The name the docs use (`boolean`, `date`, `timestamp`, `decimal(18,2)`); it parses back to the same type."""
    if pa.types.is_decimal(data_type):
        return f"decimal({data_type.precision},{data_type.scale})"
    return _SHOWN.get(data_type, str(data_type))
