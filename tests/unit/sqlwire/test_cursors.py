"""Cursor statements as clients write them (psql's FETCH_COUNT, psycopg's named cursors)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from lakemesh.sqlwire.cursors import Cursor, parse_close, parse_declare, parse_fetch
from lakemesh.sqlwire.errors import SqlError
from lakemesh.sqlwire.statements import classify


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('DECLARE "Named ""c""" CURSOR WITHOUT HOLD FOR SELECT 1', ('Named "c"', False, "SELECT 1")),
        ("declare _psql_cursor no scroll cursor for\nselect a\nfrom t;", ("_psql_cursor", False, "select a\nfrom t")),
        ("DECLARE C INSENSITIVE SCROLL CURSOR WITH HOLD FOR SELECT ';'", ("c", True, "SELECT ';'")),
    ],
)
def test_declare_names_hold_and_query(text: str, expected: tuple[str, bool, str]) -> None:
    declared = parse_declare(text)
    assert (declared.name, declared.hold, declared.query) == expected
    assert classify(text).kind == "cursor"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FETCH c", ("c", 1)),
        ("FETCH NEXT FROM c", ("c", 1)),
        ('FETCH FORWARD 100 FROM "c_1"', ("c_1", 100)),
        ("fetch forward all in C", ("c", None)),
        ("FETCH ALL FROM c;", ("c", None)),
        ("FETCH 3 c", ("c", 3)),
    ],
)
def test_fetch_forms(text: str, expected: tuple[str, int | None]) -> None:
    assert parse_fetch(text) == expected


def test_backward_moves_and_binary_cursors_are_refused_by_name() -> None:
    for text in ("FETCH PRIOR FROM c", "FETCH ABSOLUTE 3 FROM c", "FETCH BACKWARD 1 FROM c"):
        with pytest.raises(SqlError) as error:
            parse_fetch(text)
        assert error.value.sqlstate == "0A000"
    with pytest.raises(SqlError, match="BINARY"):
        parse_declare("DECLARE c BINARY CURSOR FOR SELECT 1")
    assert classify("MOVE 1 IN c").kind == "unsupported"


def test_close_one_or_all() -> None:
    assert parse_close('CLOSE "My"') == "My" and parse_close("close ALL") is None


def test_a_cursor_hands_out_each_row_once_and_then_nothing() -> None:
    cursor = Cursor(pa.table({"n": list(range(5))}), hold=False)
    assert cursor.fetch(2)["n"].to_pylist() == [0, 1]
    assert cursor.fetch(None)["n"].to_pylist() == [2, 3, 4]
    assert cursor.fetch(1).num_rows == 0 and cursor.fetch(None).num_rows == 0
