"""The batch DataRow encoder against the per-value encoders, cell by cell, for every type the endpoint sends, in
text and binary: what a client decodes must not depend on which path spelled the value."""

from __future__ import annotations

import datetime as dt
import math
import struct
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pytest

from lakemesh.sqlwire import types
from lakemesh.sqlwire.rows import data_rows

UTC = dt.UTC
_FLOATS = [0.0, -0.0, 1.0, -2.5, 0.1, 100.0, 1e-4, 9.9999e-5, 1e-5, 1.5e-7, 1e13, 9.999999999999e12, 1e14,
           123456789012345.6, 999999999999999.9, 1e15, 1e16, 1e20, 1e100, -1.5e300, 5e-324, 1.7976931348623157e308,
           float("nan"), float("inf"), float("-inf"), 0.487441987930725, 1 / 3, None]  # fmt: skip
_DECIMALS = ["0.00", "1234.56", "-0.01", "99999999.99", "-99999999.99", "0.10", None]


def _columns() -> dict[str, pa.Array]:
    rng = np.random.default_rng(5)
    spread = (rng.random(400) - 0.5) * 10.0 ** rng.integers(-30, 30, 400)
    moments = [dt.datetime(2026, 1, 1, tzinfo=UTC), dt.datetime(1970, 1, 1, 0, 0, 0, 500000, tzinfo=UTC),
               dt.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), dt.datetime(1000, 1, 1, tzinfo=UTC),
               dt.datetime(9999, 12, 31, 23, 59, 59, 10, tzinfo=UTC), dt.datetime(2000, 2, 29, 12, 30, 1, 120000,
               tzinfo=UTC), None]  # fmt: skip
    return {
        "int8": pa.array([0, -128, 127, None], pa.int8()),
        "int16": pa.array([0, -32768, 32767, None], pa.int16()),
        "int32": pa.array([0, -(2**31), 2**31 - 1, None], pa.int32()),
        "int64": pa.array([0, -(2**63), 2**63 - 1, None], pa.int64()),
        "uint8": pa.array([0, 255, None], pa.uint8()),
        "uint32": pa.array([0, 2**32 - 1, None], pa.uint32()),
        "uint64": pa.array([0, 2**64 - 1, None], pa.uint64()),
        "float64": pa.array(_FLOATS, pa.float64()),
        "float64_spread": pa.array(spread, pa.float64()),
        "float32": pa.array([*_FLOATS, 1e6, 123456.0, 1234567.0, 3.4028235e38, 0.3333333], pa.float32()),
        "float32_spread": pa.array(spread.astype(np.float32), pa.float32()),
        "decimal": pa.array([None if v is None else Decimal(v) for v in _DECIMALS], pa.decimal128(10, 2)),
        "decimal_wide": pa.array(
            [
                Decimal("12345678901234567890.0123456789"),
                Decimal("0E-10"),
                Decimal("1E-10"),
                Decimal("-0.0000001"),
                None,
            ],
            pa.decimal128(38, 10),
        ),
        "decimal_int": pa.array([Decimal(12345), Decimal(-7), Decimal(0), None], pa.decimal128(5, 0)),
        "bool": pa.array([True, False, None]),
        "date": pa.array([dt.date(2026, 1, 1), dt.date(1970, 1, 1), dt.date(1999, 12, 31), dt.date(1000, 1, 1), None]),
        "timestamptz": pa.array(moments, pa.timestamp("us", tz="UTC")),
        "timestamptz_berlin": pa.array(moments, pa.timestamp("us", tz="UTC")).cast(
            pa.timestamp("us", tz="Europe/Berlin")
        ),
        "timestamp": pa.array([None if m is None else m.replace(tzinfo=None) for m in moments], pa.timestamp("us")),
        "timestamp_ms": pa.array([0, 1_700_000_000_123, None], pa.timestamp("ms")),
        "timestamp_early": pa.array([dt.datetime(999, 12, 31, 23, 59, 59), None], pa.timestamp("us")),
        "text": pa.array(["", "plain", "ünïcødé ✓ 🐘", "with\nnewline", "'quote\"", None]),
        "large_text": pa.array(["", "x" * 1000, None], pa.large_string()),
        "dictionary": pa.array(["a", "b", None, "a"]).dictionary_encode(),
        "bytes": pa.array([b"", b"\x00\xff", None], pa.binary()),
        "list": pa.array([[1, 2], [], None], pa.list_(pa.int64())),
    }


def _cells(payload: bytes) -> list[list[bytes | None]]:
    """The cells of each DataRow message in `payload`."""
    rows, at = [], 0
    while at < len(payload):
        assert payload[at : at + 1] == b"D"
        length = struct.unpack_from("!i", payload, at + 1)[0]
        end, cursor = at + 1 + length, at + 7
        cells: list[bytes | None] = []
        for _ in range(struct.unpack_from("!h", payload, at + 5)[0]):
            size = struct.unpack_from("!i", payload, cursor)[0]
            cursor += 4
            cells.append(None if size < 0 else payload[cursor : cursor + size])
            cursor += max(size, 0)
        assert cursor == end, "a DataRow's length must cover exactly its cells"
        rows.append(cells)
        at = end
    return rows


def _expected(column: pa.Array, fmt: int) -> list[bytes | None]:
    """The per-value encoders: one Python value at a time."""
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    oid = types.pg_type(column.type)
    encode = types.binary_encoder(oid) if fmt == 1 else types.text_encoder(oid)
    return [None if v is None else encode(v) for v in types.prepare_column(column)]


def _same(oid: int, fmt: int, sent: bytes | None, wanted: bytes | None) -> bool:
    if sent is None or wanted is None:
        return sent is wanted
    if oid == types.NUMERIC and fmt == 1:  # leading/trailing zero digit groups are allowed: compare values exactly
        got, expected = (types.decode_parameter(cell, types.NUMERIC, True) for cell in (sent, wanted))
        same_scale = struct.unpack_from("!h", sent, 6) == struct.unpack_from("!h", wanted, 6)
        return same_scale and (got == expected or (got.is_nan() and expected.is_nan()))
    return sent == wanted


@pytest.mark.parametrize("fmt", [0, 1], ids=["text", "binary"])
@pytest.mark.parametrize("name", list(_columns()))
def test_each_cell_is_what_the_per_value_encoder_sends(name: str, fmt: int) -> None:
    column = _columns()[name]
    table = pa.table({name: column, "after": pa.array(range(len(column)), pa.int32())})
    rows = _cells(data_rows(table, [fmt, fmt], 0, table.num_rows))
    oid = types.pg_type(column.type if not pa.types.is_dictionary(column.type) else column.type.value_type)
    wanted = _expected(column, fmt)
    assert len(rows) == len(column)
    for i, (cells, expected) in enumerate(zip(rows, wanted, strict=True)):
        assert _same(oid, fmt, cells[0], expected), (i, cells[0], expected)
        assert cells[1] == _expected(table.column("after").combine_chunks(), fmt)[i]  # the next cell starts right


def test_a_slice_of_many_columns_with_nulls_everywhere_matches_cell_by_cell() -> None:
    columns = _columns()
    width = max(len(c) for c in columns.values())
    table = pa.table({n: pa.concat_arrays([c, pa.nulls(width - len(c), c.type)]) for n, c in columns.items()})
    table = pa.concat_tables([table, table])  # two chunks: the slice crosses them
    for fmt in (0, 1):
        sent = _cells(data_rows(table, [fmt] * table.num_columns, 3, 3 + width))
        for position, name in enumerate(table.column_names):
            column = table.column(name).combine_chunks().slice(3, width)
            oid = types.pg_type(column.type if not pa.types.is_dictionary(column.type) else column.type.value_type)
            for row, expected in zip(sent, _expected(column, fmt), strict=True):
                assert _same(oid, fmt, row[position], expected), (name, fmt, row[position], expected)


@pytest.mark.parametrize(
    ("value", "single", "spelled"),
    [(1e15, False, "1e+15"), (1e14, False, "100000000000000"), (123456789012345.6, False, "123456789012345.6"),
     (1e-5, False, "1e-05"), (1e-4, False, "0.0001"), (1.5e-7, False, "1.5e-07"), (-0.0, False, "-0"),
     (100.0, False, "100"), (1.5e300, False, "1.5e+300"), (1e6, True, "1e+06"), (123456.0, True, "123456"),
     (1234567.0, True, "1.234567e+06"), (0.1, True, "0.1"), (math.nan, False, "NaN"), (-math.inf, True, "-Infinity")],
)  # fmt: skip
def test_floats_are_spelled_as_postgresql_prints_them(value: float, single: bool, spelled: str) -> None:
    """What `SELECT '<value>'::float8` (or ::float4) prints in PostgreSQL 15 (checked against a real server)."""
    assert types.float_text(value, single=single) == spelled.encode()
    column = pa.array([value], pa.float32() if single else pa.float64())
    assert _cells(data_rows(pa.table({"v": column}), [0], 0, 1)) == [[spelled.encode()]]


def test_timestamps_and_decimals_are_spelled_as_postgresql_prints_them() -> None:
    table = pa.table(
        {
            "at": pa.array([dt.datetime(2026, 1, 1, 0, 0, 0, 500000, tzinfo=UTC)], pa.timestamp("us", tz="UTC")),
            "local": pa.array([dt.datetime(2026, 1, 1)], pa.timestamp("us")),
            "tiny": pa.array([Decimal("1E-10")], pa.decimal128(38, 10)),
            "cents": pa.array([Decimal("12.30")], pa.decimal128(10, 2)),
        }
    )
    assert _cells(data_rows(table, [0] * 4, 0, 1)) == [
        [b"2026-01-01 00:00:00.5+00", b"2026-01-01 00:00:00", b"0.0000000001", b"12.30"]
    ]


@pytest.mark.parametrize(
    "zone", ["Europe/Berlin", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham", "+05:30", "-07:00"]
)
def test_timestamptz_text_is_written_in_the_session_time_zone(zone: str) -> None:
    """Wall-clock time and offset of the session's TimeZone at each moment (summer time, half and quarter hours,
    local mean time before standard time, fixed offsets), the batch encoder equal to Python's; binary stays UTC."""
    where = ZoneInfo(zone) if zone[0] not in "+-" else dt.datetime.strptime(zone, "%z").tzinfo
    assert where is not None
    moments = [dt.datetime(2026, 1, 1, tzinfo=UTC), dt.datetime(2026, 7, 1, 12, 0, 0, 250000, tzinfo=UTC),
               dt.datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC), dt.datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC),
               dt.datetime(1850, 6, 1, 12, tzinfo=UTC), dt.datetime(1000, 1, 1, tzinfo=UTC), None]  # fmt: skip
    column = pa.array(moments, pa.timestamp("us", tz="UTC"))
    table = pa.table({"t": column})
    wanted = [None if m is None else types.timestamp_text(m.astimezone(where)) for m in moments]
    assert [row[0] for row in _cells(data_rows(table, [0], 0, len(moments), zone))] == wanted
    assert _cells(data_rows(table, [1], 0, len(moments), zone)) == _cells(data_rows(table, [1], 0, len(moments)))
    early = dt.datetime(900, 1, 1, tzinfo=UTC)  # before year 1000: spelled value by value
    table = pa.table({"t": pa.array([early], pa.timestamp("us", tz="UTC"))})
    assert _cells(data_rows(table, [0], 0, 1, zone)) == [[types.timestamp_text(early.astimezone(where))]]
    naive = pa.array([early.replace(tzinfo=None), moments[1].replace(tzinfo=None)], pa.timestamp("us"))
    spelled = [row[0] for row in _cells(data_rows(pa.table({"t": naive}), [0], 0, 2, zone))]
    assert spelled == [b"0900-01-01 00:00:00", b"2026-07-01 12:00:00.25"]  # without a time zone: as it is
