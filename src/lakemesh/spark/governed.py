"""The cursor sqlframe executes on: every statement it generates runs through Lakemesh's governed SQL path."""

from __future__ import annotations

import functools
import threading
from typing import Any, Protocol

import duckdb
import pyarrow as pa
import sqlglot
from sqlglot import exp
from sqlglot.optimizer.eliminate_ctes import eliminate_ctes
from sqlglot.optimizer.merge_subqueries import merge_subqueries

from lakemesh.core.errors import InvalidInput

# The governed query path answers at most this many rows; a bigger result is refused, never cut short.
MAX_ROWS = 1_000_000


class GovernedMesh(Protocol):
    """What the session needs from `Mesh` or `RemoteMesh`: both have these public methods."""

    def sql(self, sql: str, *, limit: int | None = None) -> pa.Table: ...

    def write_table(self, domain: str, lakehouse: str, table: str, data: Any, *, mode: str = "append") -> Any: ...


class GovernedCursor:
    """Quacks like the DuckDB cursor sqlframe expects, but has no data of its own: the gate, grants and masks apply."""

    def __init__(self, mesh: GovernedMesh) -> None:
        self._mesh = mesh
        self._result: pa.Table | None = None

    def execute(self, sql: str, parameters: object = None) -> GovernedCursor:
        if parameters:
            raise NotImplementedError("parameterised statements are not supported by lakemesh.spark")
        table = self._mesh.sql(flattened(sql), limit=MAX_ROWS)
        if table.num_rows >= MAX_ROWS:
            raise InvalidInput(
                f"the result has {MAX_ROWS:,} rows or more; aggregate, filter or limit it before collecting"
            )
        self._result = table
        return self

    def fetch_arrow_table(self) -> pa.Table:
        return self._current()

    def fetchall(self) -> list[tuple[Any, ...]]:
        table = self._current()
        columns = [column.to_pylist() for column in table.columns]
        return list(zip(*columns, strict=True)) if columns else []

    @property
    def description(self) -> list[tuple[str, str, None, None, None, None, None]] | None:
        if self._result is None:
            return None
        return [(name, kind, None, None, None, None, None) for name, kind in duckdb_types(self._result.schema)]

    def _current(self) -> pa.Table:
        if self._result is None:
            raise InvalidInput("no statement has run yet")
        return self._result


@functools.lru_cache(maxsize=256)
def duckdb_types(schema: pa.Schema) -> list[tuple[str, str]]:
    """Each column's DuckDB type name, which sqlframe's schema wants; computed on an empty table, no data.

    Remembered per schema: opening a DuckDB database for this cost ~70 ms, and sqlframe asks several times per count.
    """
    with _TYPES_LOCK:
        relation = _types_connection().from_arrow(schema.empty_table())
        return [(name, str(kind)) for name, kind in zip(relation.columns, relation.types, strict=True)]


_TYPES_LOCK = threading.Lock()


@functools.cache
def _types_connection() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(":memory:")


def flattened(sql: str) -> str:
    """sqlframe nests each step in a CTE; over one table, merge them so `count()` reads as `SELECT COUNT(*) FROM t`.

    The governed engine plans both forms alike, but only the flat one can be answered from the Delta log. Joins and
    anything sqlglot cannot merge are sent as generated; the gate checks whatever is sent.
    """
    try:
        statement = sqlglot.parse_one(sql, read="duckdb")
        sources = [table for table in statement.find_all(exp.Table) if table.args.get("db") is not None]
        if len(sources) != 1 or statement.find(exp.Join) is not None:
            return sql
        return eliminate_ctes(merge_subqueries(statement)).sql(dialect="duckdb")
    except sqlglot.errors.SqlglotError:
        return sql
