"""Cursors (DECLARE, FETCH, MOVE, CLOSE): how psql's FETCH_COUNT, psycopg's named cursors, SQLAlchemy's
`stream_results` and pandas' `chunksize` read a result a slice at a time, and how tools scroll through one.

The query runs once, at DECLARE, through the governed path as the connection's principal (and within the
endpoint's row limit); FETCH and MOVE walk that result. They follow PostgreSQL's own algorithm (pquery.c,
DoPortalRunFetch and PortalRunSelect) step by step, so every direction lands on the row PostgreSQL's would, and a
NO SCROLL cursor refuses a backward step (55000) exactly where PostgreSQL does. A cursor declared without SCROLL
or NO SCROLL may move backward: its result is held in full, like a PostgreSQL plan that supports backward scans.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from lakemesh.sqlwire.errors import SqlError
from lakemesh.sqlwire.statements import Statement, classify

if TYPE_CHECKING:
    from lakemesh.sqlwire.session import Session

Runner = Callable[[Statement, list[Any]], Awaitable[pa.Table | None]]
ALL = sys.maxsize  # PostgreSQL's FETCH_ALL (LONG_MAX)

_NAME = r'("(?:[^"]|"")+"|[A-Za-z_][\w$]*)'
_DECLARE = re.compile(
    rf"^\s*DECLARE\s+{_NAME}\s+((?:(?:BINARY|ASENSITIVE|INSENSITIVE|NO\s+SCROLL|SCROLL)\s+)*)CURSOR\s+"
    r"(?:(WITH|WITHOUT)\s+HOLD\s+)?FOR\s+(.+?)\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_COUNT = r"[+-]?\d+"
_DIRECTION = (
    rf"NEXT|PRIOR|FIRST|LAST|ABSOLUTE\s+{_COUNT}|RELATIVE\s+{_COUNT}|ALL|"
    rf"(?:FORWARD|BACKWARD)(?:\s+(?:ALL|{_COUNT}))?|{_COUNT}"
)
_FETCH = re.compile(rf"^\s*(FETCH|MOVE)\s+(?:({_DIRECTION})\s+)?(?:(?:FROM|IN)\s+)?{_NAME}\s*;?\s*$", re.IGNORECASE)
_CLOSE = re.compile(rf"^\s*CLOSE\s+(ALL|{_NAME})\s*;?\s*$", re.IGNORECASE)


def _forward_only() -> SqlError:
    return SqlError("55000", "cursor can only scan forward; declare it with SCROLL to enable backward scan")


@dataclass
class Cursor:
    """A declared cursor over its result, with PostgreSQL's portal state: the executor's row (`at`: 0 before the
    first row, n+1 after the last), and the portal's `position`, `at_start` and `at_end` bookkeeping."""

    result: pa.Table
    hold: bool  # WITH HOLD: outlives the transaction that declared it
    scroll: bool = True  # False for NO SCROLL
    at: int = 0
    position: int = 0
    at_start: bool = True
    at_end: bool = False

    def fetch(self, count: int | None) -> pa.Table:
        """The next `count` rows (all that are left for None), moving past them."""
        return self.run("FORWARD", ALL if count is None else count)[0]

    def run(self, direction: str, count: int, *, move: bool = False) -> tuple[pa.Table, int]:
        """(rows, how many) for FETCH/MOVE direction count: PostgreSQL's DoPortalRunFetch."""
        if direction in ("FORWARD", "BACKWARD") and count < 0:
            direction, count = ("BACKWARD" if direction == "FORWARD" else "FORWARD"), -count
        if direction == "ABSOLUTE":
            return self._absolute(count)
        if direction == "RELATIVE":
            if count > 0:
                if count > 1:
                    self._select(True, count - 1)
                return self._select(True, 1)
            if count < 0:
                if count < -1:
                    self._select(False, -count - 1)
                return self._select(False, 1)
            direction = "FORWARD"
        forward = direction == "FORWARD"
        if count == 0:
            on_row = not self.at_start and not self.at_end
            if move:
                return self._none(), int(on_row)
            if on_row:
                self._select(False, 1)
                count, forward = 1, True
        if not forward and count == ALL and move:
            moved = self.position - 1 if self.position > 0 and not self.at_end else self.position
            self._rewind()
            return self._none(), moved
        return self._select(forward, count)

    def _absolute(self, count: int) -> tuple[pa.Table, int]:
        if count > 0:
            if count - 1 <= self.position // 2:
                self._rewind()
                if count > 1:
                    self._select(True, count - 1)
            else:
                position = self.position + (1 if self.at_end else 0)
                if count <= position:
                    self._select(False, position - count + 1)
                elif count > position + 1:
                    self._select(True, count - position - 1)
            return self._select(True, 1)
        if count < 0:
            self._select(True, ALL)
            if count < -1:
                self._select(False, -count - 1)
            return self._select(False, 1)
        self._rewind()
        return self._select(True, 0)

    def _rewind(self) -> None:
        if self.at_start and not self.at_end:
            return  # nothing read yet: no NO SCROLL error, as in PostgreSQL
        if not self.scroll:
            raise _forward_only()
        self.at, self.position, self.at_start, self.at_end = 0, 0, True, False

    def _select(self, forward: bool, count: int) -> tuple[pa.Table, int]:
        """PostgreSQL's PortalRunSelect on a result held in full: up to `count` rows one way (0 or ALL: all)."""
        total = self.result.num_rows
        if forward:
            if self.at_end or count <= 0:
                return self._none(), 0
            wanted = total if count == ALL else count
            stop = min(total, self.at + wanted)
            rows = self.result.slice(self.at, stop - self.at)
            done = rows.num_rows
            self.at = stop if count != ALL and done == count else total + 1
            if done > 0:
                self.at_start = False
            if count == ALL or done < count:
                self.at_end = True
            self.position += done
            return rows, done
        if not self.scroll:
            raise _forward_only()
        if self.at_start or count <= 0:
            return self._none(), 0
        wanted = total if count == ALL else count
        first = max(1, self.at - wanted)  # rows at-1 down to first (1-based)
        rows = self.result.slice(first - 1, max(0, self.at - first)).take(
            pa.array(range(max(0, self.at - first) - 1, -1, -1), pa.int64())
        )
        done = rows.num_rows
        self.at = first if count != ALL and done == count else 0
        if done > 0 and self.at_end:
            self.at_end = False
            self.position += 1
        if count == ALL or done < count:
            self.at_start, self.position = True, 0
        else:
            self.position -= done
        return rows, done

    def _none(self) -> pa.Table:
        return self.result.slice(0, 0)


@dataclass(frozen=True)
class Declare:
    name: str
    hold: bool
    query: str
    scroll: bool = True


def name_of(text: str) -> str:
    """A cursor's name as PostgreSQL keeps it: quoted names exactly, others folded to lower case."""
    if text.startswith('"'):
        return text[1:-1].replace('""', '"')
    return text.lower()


def parse_declare(text: str) -> Declare:
    match = _DECLARE.match(text)
    if match is None:
        raise SqlError("42601", "syntax error in DECLARE: expected DECLARE name CURSOR [WITH HOLD] FOR query")
    if "BINARY" in match.group(2).upper():
        raise SqlError("0A000", "BINARY cursors are not supported: ask for binary results in the protocol instead")
    options = " ".join(match.group(2).upper().split())
    hold = (match.group(3) or "").upper() == "WITH"
    return Declare(name_of(match.group(1)), hold, match.group(4), scroll="NO SCROLL" not in options)


@dataclass(frozen=True)
class Fetch:
    """FETCH or MOVE, in PostgreSQL's terms: FORWARD, BACKWARD, ABSOLUTE or RELATIVE with a count (ALL: ALL)."""

    name: str
    direction: str
    count: int
    move: bool = False


def parse_fetch(text: str) -> Fetch:
    """FETCH/MOVE [direction] [FROM | IN] cursor, mapped as PostgreSQL's grammar maps it (PRIOR = BACKWARD 1, ...)."""
    match = _FETCH.match(text)
    if match is None:
        raise SqlError("42601", "syntax error in FETCH: expected FETCH [direction] [FROM | IN] cursor")
    words = (match.group(2) or "NEXT").upper().split()
    fixed = {"NEXT": ("FORWARD", 1), "PRIOR": ("BACKWARD", 1), "FIRST": ("ABSOLUTE", 1), "LAST": ("ABSOLUTE", -1),
             "ALL": ("FORWARD", ALL), "FORWARD": ("FORWARD", 1), "BACKWARD": ("BACKWARD", 1)}  # fmt: skip
    if len(words) == 1 and words[0] in fixed:
        direction, count = fixed[words[0]]
    elif len(words) == 1:
        direction, count = "FORWARD", int(words[0])
    else:
        direction, count = words[0], (ALL if words[1] == "ALL" else int(words[1]))
    return Fetch(name_of(match.group(3)), direction, count, match.group(1).upper() == "MOVE")


def parse_close(text: str) -> str | None:
    """The cursor CLOSE names; None for CLOSE ALL."""
    match = _CLOSE.match(text)
    if match is None:
        raise SqlError("42601", "syntax error in CLOSE: expected CLOSE name or CLOSE ALL")
    return None if match.group(1).upper() == "ALL" else name_of(match.group(2))


def missing(name: str) -> SqlError:
    return SqlError("34000", f'cursor "{name}" does not exist')


async def command(session: Session, statement: Statement, params: list[Any], run: Runner) -> pa.Table | None:
    """DECLARE runs the query now (through `run`: as the principal, governed); FETCH hands out its rows."""
    if statement.command in ("FETCH", "MOVE"):
        fetch = parse_fetch(statement.text)
        cursor = session.cursors.get(fetch.name)
        if cursor is None:
            raise missing(fetch.name)
        rows, count = cursor.run(fetch.direction, fetch.count, move=fetch.move)
        session.moved = count
        return None if fetch.move else rows
    if statement.command == "CLOSE":
        closed = parse_close(statement.text)
        if closed is None:
            session.cursors.clear()
        elif session.cursors.pop(closed, None) is None:
            raise missing(closed)
        return None
    declared = parse_declare(statement.text)
    if not declared.hold and session.transaction != "T":
        raise SqlError("25P01", "DECLARE CURSOR can only be used in transaction blocks")
    if declared.name in session.cursors:
        raise SqlError("42P03", f'cursor "{declared.name}" already exists')
    query = classify(declared.query)
    if query.kind in ("empty", "session", "cursor"):
        raise SqlError("42601", f"a cursor reads a query, not {query.command or 'nothing'}")
    result = await run(query, params)  # writes and unsupported statements are refused here, as on their own
    assert result is not None
    session.cursors[declared.name] = Cursor(result, declared.hold, declared.scroll)
    return None
