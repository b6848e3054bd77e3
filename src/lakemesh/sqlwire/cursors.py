"""Cursors (DECLARE, FETCH, CLOSE): how psql's FETCH_COUNT, psycopg's named cursors, SQLAlchemy's
`stream_results` and pandas' `chunksize` read a result a slice at a time.

The query runs once, at DECLARE, through the governed path as the connection's principal (and within the
endpoint's row limit); FETCH hands out slices of that result. Cursors only move forward.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from lakemesh.sqlwire.errors import SqlError
from lakemesh.sqlwire.statements import Statement, classify

if TYPE_CHECKING:
    from lakemesh.sqlwire.session import Session

Runner = Callable[[Statement, list[Any]], Awaitable[pa.Table | None]]

_NAME = r'("(?:[^"]|"")+"|[A-Za-z_][\w$]*)'
_DECLARE = re.compile(
    rf"^\s*DECLARE\s+{_NAME}\s+((?:(?:BINARY|ASENSITIVE|INSENSITIVE|NO\s+SCROLL|SCROLL)\s+)*)CURSOR\s+"
    r"(?:(WITH|WITHOUT)\s+HOLD\s+)?FOR\s+(.+?)\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_FETCH = re.compile(
    rf"^\s*FETCH\s+(?:(NEXT|ALL|FORWARD\s+ALL|FORWARD\s+\d+|FORWARD|\d+)\s+)?(?:(?:FROM|IN)\s+)?{_NAME}\s*;?\s*$",
    re.IGNORECASE,
)
_CLOSE = re.compile(rf"^\s*CLOSE\s+(ALL|{_NAME})\s*;?\s*$", re.IGNORECASE)


@dataclass
class Cursor:
    result: pa.Table
    hold: bool  # WITH HOLD: outlives the transaction that declared it
    position: int = 0

    def fetch(self, count: int | None) -> pa.Table:
        """The next `count` rows (all that are left for None), moving past them."""
        stop = self.result.num_rows if count is None else min(self.result.num_rows, self.position + count)
        rows = self.result.slice(self.position, max(0, stop - self.position))
        self.position = max(self.position, stop)
        return rows


@dataclass(frozen=True)
class Declare:
    name: str
    hold: bool
    query: str


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
    return Declare(name_of(match.group(1)), (match.group(3) or "").upper() == "WITH", match.group(4))


def parse_fetch(text: str) -> tuple[str, int | None]:
    """(cursor name, rows to fetch; None for all of them)."""
    match = _FETCH.match(text)
    if match is None:
        raise SqlError("0A000", "only FETCH [NEXT | ALL | FORWARD [n | ALL] | n] [FROM] cursor is supported")
    how = " ".join((match.group(1) or "NEXT").upper().split())
    count: int | None
    if how in ("ALL", "FORWARD ALL"):
        count = None
    elif how in ("NEXT", "FORWARD"):
        count = 1
    else:
        count = int(how.rsplit(" ", 1)[-1])
    return name_of(match.group(2)), count


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
    if statement.command == "FETCH":
        name, count = parse_fetch(statement.text)
        if name not in session.cursors:
            raise missing(name)
        return session.cursors[name].fetch(count)
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
    session.cursors[declared.name] = Cursor(result, declared.hold)
    return None
