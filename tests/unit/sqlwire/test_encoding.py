"""What the SQL endpoint puts on the wire: DataRow cells per type, and statements sorted and renamed."""

from __future__ import annotations

import struct
from decimal import Decimal

import pyarrow as pa
import pytest

from lakemesh.core.errors import NotFound
from lakemesh.lakehouses.models import ColumnInfo
from lakemesh.sqlwire import types
from lakemesh.sqlwire.catalog import SqlObject
from lakemesh.sqlwire.errors import SqlError
from lakemesh.sqlwire.rows import data_rows
from lakemesh.sqlwire.settings import duration_seconds, startup_options, startup_settings, time_zone
from lakemesh.sqlwire.statements import classify, governed_sql, split_statements


def _cells(message: bytes) -> list[bytes | None]:
    """The cells of one DataRow message."""
    assert message[:1] == b"D" and struct.unpack("!i", message[1:5])[0] == len(message) - 1
    count, at, cells = struct.unpack("!h", message[5:7])[0], 7, []
    for _ in range(count):
        size = struct.unpack("!i", message[at : at + 4])[0]
        at += 4
        cells.append(None if size < 0 else message[at : at + size])
        at += max(size, 0)
    return cells


@pytest.mark.parametrize(
    ("precision", "scale", "values"),
    [(10, 2, ["0.00", "1234.56", "-0.01", "99999999.99"]), (18, 4, ["0.2713", "-1.5000"]), (5, 0, ["12345", "-7"]),
     (38, 10, ["12345678901234567890.0123456789"])],
)  # fmt: skip
def test_numeric_binary_cells_decode_to_the_exact_decimal(precision: int, scale: int, values: list[str]) -> None:
    table = pa.table({"v": pa.array([Decimal(v) for v in values] + [None], pa.decimal128(precision, scale))})
    payload = data_rows(table, [1], 0, table.num_rows)
    decoded, at = [], 0
    while at < len(payload):
        length = struct.unpack("!i", payload[at + 1 : at + 5])[0]
        (cell,) = _cells(payload[at : at + 1 + length])
        decoded.append(None if cell is None else types.decode_parameter(cell, types.NUMERIC, True))
        at += 1 + length
    assert decoded == [Decimal(v) for v in values] + [None]


def test_text_cells_are_spelled_as_postgresql_does() -> None:
    table = pa.table(
        {
            "flag": [True, None],
            "ratio": [float("nan"), 0.5],
            "at": pa.array([0, 1_700_000_000_000_000], pa.timestamp("us", tz="UTC")),
            "day": pa.array([0, 19000], pa.date32()),
        }
    )
    first = _cells(data_rows(table, [0, 0, 0, 0], 0, 1))
    assert first == [b"t", b"NaN", b"1970-01-01 00:00:00+00", b"1970-01-01"]


def test_statements_are_sorted_and_split_outside_quotes() -> None:
    assert split_statements("SELECT ';'; SELECT 2 -- ;\n") == ["SELECT ';'", " SELECT 2 -- ;\n"]
    assert classify("insert into t values (1)").kind == "write"
    assert classify("LISTEN x").kind == "unsupported"
    assert classify("SET application_name = 'x'").kind == "session"
    assert classify("SELECT * FROM information_schema.tables").kind == "catalog"
    assert classify("SELECT version()").kind == "catalog"
    assert classify("SELECT 1").kind == "query"
    with pytest.raises(SqlError):
        classify("SELECT * FROM pg_catalog.pg_class, a.b.c")


def test_names_become_governed_sql_and_parameters_stay_parameters() -> None:
    column = ColumnInfo(name="id", type="int64")
    table = SqlObject("sales_sales_lakehouse", "orders", ("sales", "sales_lakehouse", "orders"), "table", (column,))
    sql = governed_sql("SELECT * FROM sales_sales_lakehouse.orders WHERE id = $1 AND s = $2", [table], [], 2)
    assert sql == "SELECT * FROM sales.sales_lakehouse.orders WHERE id = $1 AND s = $2"
    assert "sales.sales_lakehouse.orders" in governed_sql("SELECT * FROM orders", [table], ["sales_sales_lakehouse"], 0)
    with pytest.raises(NotFound, match="does not exist"):
        governed_sql("SELECT * FROM hidden_schema.orders", [table], [], 0)
    with pytest.raises(SqlError, match=r"uses \$3 but 2 parameters were bound"):
        governed_sql("SELECT * FROM orders WHERE id = $3", [table], ["sales_sales_lakehouse"], 2)


def test_startup_options_and_durations_read_as_postgresql_reads_them() -> None:
    assert startup_options(r"-c statement_timeout=5s -csearch_path=a,b --application-name=my\ tool") == {
        "statement_timeout": "5s",
        "search_path": "a,b",
        "application_name": "my tool",
    }
    assert [duration_seconds(v) for v in ("0", "250", "1.5s", "2min", "1 h", "soon", "-1")] == [
        0.0, 0.25, 1.5, 120.0, 3600.0, None, None,
    ]  # fmt: skip


def test_startup_settings_take_the_packet_and_its_options_and_refuse_what_postgresql_refuses() -> None:
    settings = startup_settings("ana", {"user": "ana", "TimeZone": "europe/berlin", "options": "-c search_path=s1"})
    assert (settings["TimeZone"], settings["search_path"], settings["session_authorization"]) == (
        "Europe/Berlin", "s1", "ana",
    )  # fmt: skip
    assert startup_settings("ana", {"options": "-c TimeZone=5.5"})["TimeZone"] == "<+05:30>-05:30"
    # JDBC on a JVM whose zone is GMT+01:00 sends it POSIX-style, west positive, as PostgreSQL reads it
    assert time_zone(startup_settings("ana", {"TimeZone": "GMT-01:00"})["TimeZone"]) == "+01:00"
    assert time_zone(startup_settings("ana", {"TimeZone": "UTC+5"})["TimeZone"]) == "-05:00"
    for params, sqlstate in (({"TimeZone": "Mars/Base"}, "22023"), ({"options": "-c work_memory=1"}, "42704")):
        with pytest.raises(SqlError) as refused:
            startup_settings("ana", params)
        assert refused.value.sqlstate == sqlstate
