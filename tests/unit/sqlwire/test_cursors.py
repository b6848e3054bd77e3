"""Cursor statements as clients write them (psql's FETCH_COUNT, psycopg's named cursors)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from lakemesh.sqlwire.cursors import ALL, Cursor, parse_close, parse_declare, parse_fetch
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
        ("FETCH c", ("c", "FORWARD", 1, False)),
        ("FETCH NEXT FROM c", ("c", "FORWARD", 1, False)),
        ('FETCH FORWARD 100 FROM "c_1"', ("c_1", "FORWARD", 100, False)),
        ("fetch forward all in C", ("c", "FORWARD", ALL, False)),
        ("FETCH ALL FROM c;", ("c", "FORWARD", ALL, False)),
        ("FETCH 3 c", ("c", "FORWARD", 3, False)),
        ("FETCH -2 FROM c", ("c", "FORWARD", -2, False)),
        ("FETCH PRIOR FROM c", ("c", "BACKWARD", 1, False)),
        ("FETCH FIRST c", ("c", "ABSOLUTE", 1, False)),
        ("FETCH LAST IN c", ("c", "ABSOLUTE", -1, False)),
        ("FETCH ABSOLUTE -3 FROM c", ("c", "ABSOLUTE", -3, False)),
        ("FETCH RELATIVE +2 FROM c", ("c", "RELATIVE", 2, False)),
        ("FETCH BACKWARD ALL FROM c", ("c", "BACKWARD", ALL, False)),
        ("MOVE BACKWARD 2 IN c", ("c", "BACKWARD", 2, True)),
        ("move c", ("c", "FORWARD", 1, True)),
        ("FETCH forward_c", ("forward_c", "FORWARD", 1, False)),
    ],
)
def test_fetch_and_move_forms(text: str, expected: tuple[str, str, int, bool]) -> None:
    fetch = parse_fetch(text)
    assert (fetch.name, fetch.direction, fetch.count, fetch.move) == expected
    assert classify(text).kind == "cursor"


def test_binary_cursors_and_bad_fetches_are_refused() -> None:
    with pytest.raises(SqlError, match="BINARY"):
        parse_declare("DECLARE c BINARY CURSOR FOR SELECT 1")
    for text in ("FETCH SIDEWAYS FROM c", "FETCH ABSOLUTE FROM c", "MOVE 1 2 c"):
        with pytest.raises(SqlError) as error:
            parse_fetch(text)
        assert error.value.sqlstate == "42601"


def _walk(cursor: Cursor, *commands: str) -> list[list[int] | int]:
    """Rows of each FETCH, the count of each MOVE."""
    out: list[list[int] | int] = []
    for text in commands:
        fetch = parse_fetch(text + " c")
        rows, count = cursor.run(fetch.direction, fetch.count, move=fetch.move)
        out.append(count if fetch.move else rows["n"].to_pylist())
    return out


def test_a_scroll_cursor_moves_both_ways_as_postgresql_does() -> None:
    """Expected: what PostgreSQL 15 answered to the same commands over generate_series(1, 5) (a MOVE's count is
    that of its last step: MOVE RELATIVE -100 from row 5 says 0)."""
    cursor = Cursor(pa.table({"n": [1, 2, 3, 4, 5]}), hold=False)
    assert _walk(
        cursor, "FETCH PRIOR", "FETCH 3", "MOVE BACKWARD ALL", "FETCH 1", "MOVE 10", "FETCH PRIOR", "MOVE ABSOLUTE 0",
        "FETCH NEXT", "FETCH LAST", "FETCH BACKWARD ALL", "FETCH ABSOLUTE 9", "FETCH PRIOR", "MOVE RELATIVE -100",
        "FETCH RELATIVE 1", "MOVE ABSOLUTE 3", "FETCH RELATIVE 0", "FETCH FORWARD 0", "FETCH -2", "FETCH ABSOLUTE -2",
        "MOVE FORWARD ALL", "MOVE 0",
    ) == [
        [], [1, 2, 3], 2, [1], 4, [5], 0, [1], [5], [4, 3, 2, 1], [], [5], 0, [1], 1, [3], [3], [2, 1], [4], 1, 0,
    ]  # fmt: skip


def test_a_no_scroll_cursor_refuses_every_backward_step_with_55000() -> None:
    for steps in (["FETCH 2", "FETCH PRIOR"], ["FETCH 2", "FETCH ABSOLUTE 2"], ["FETCH 2", "FETCH RELATIVE 0"],
                  ["FETCH BACKWARD 0"], ["FETCH LAST"], ["FETCH 1", "MOVE BACKWARD ALL"]):  # fmt: skip
        cursor = Cursor(pa.table({"n": [1, 2, 3, 4, 5]}), hold=False, scroll=False)
        with pytest.raises(SqlError) as error:
            _walk(cursor, *steps)
        assert error.value.sqlstate == "55000"
    cursor = Cursor(pa.table({"n": [1, 2, 3, 4, 5]}), hold=False, scroll=False)
    # Forward moves, however spelled, work (PostgreSQL too: ABSOLUTE 1 before reading rewinds nothing).
    assert _walk(cursor, "FETCH ABSOLUTE 1", "FETCH RELATIVE 2", "MOVE 1", "FETCH ABSOLUTE 5", "MOVE 0") == [
        [1], [3], 1, [5], 1,
    ]  # fmt: skip


def test_close_one_or_all() -> None:
    assert parse_close('CLOSE "My"') == "My" and parse_close("close ALL") is None


def test_a_cursor_hands_out_each_row_once_and_then_nothing() -> None:
    cursor = Cursor(pa.table({"n": list(range(5))}), hold=False)
    assert cursor.fetch(2)["n"].to_pylist() == [0, 1]
    assert cursor.fetch(None)["n"].to_pylist() == [2, 3, 4]
    assert cursor.fetch(1).num_rows == 0 and cursor.fetch(None).num_rows == 0
