"""`count(*)`, `min` and `max` over a whole table, answered from the Delta log instead of a scan.

Every add action in the log carries its file's row count and per-column null counts, minimum and maximum,
so `SELECT count(*) FROM t` over 10M rows costs a log read, as DuckDB answers from Parquet footers. Only
the exact shape is answered: one table, no filter, grouping, ordering, DISTINCT or LIMIT, and only columns
whose statistics are exact (integers and dates: Delta truncates strings and timestamps, floats have NaN)
and that the reader sees in clear. Anything else, or a file without statistics, runs the normal scan.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from lakemesh.access.masking import MaskPlan

_PLAIN_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_CLAUSES = ("joins", "where", "group", "having", "qualify", "order", "limit", "offset", "distinct", "with", "windows")


def answer_from_log(
    statement: exp.Expr | None,
    relation: str,
    schema: pa.Schema,
    plan: MaskPlan,
    statistics: Callable[[], pa.Table],
) -> pa.Table | None:
    """The query's one-row result computed from `statistics()` (the table's add actions), or None to scan."""
    wanted = _aggregates(statement, relation)
    if wanted is None:
        return None
    types = {f.name.lower(): f for f in schema}
    for _, _, column in wanted:
        if column is None:
            continue
        found = types.get(column.lower())
        if found is None or plan.function_for(found.name) is not None or not _exact(found.type):
            return None
    files = statistics()
    if files.num_rows and files.column("num_records").null_count:
        return None
    columns: dict[str, pa.Array] = {}
    for name, function, column in wanted:
        if column is None:
            total = pc.sum(files.column("num_records")).as_py() if files.num_rows else 0
            columns[name] = pa.array([int(total or 0)], pa.int64())
            continue
        field = types[column.lower()]
        value = _extreme(files, field.name, function)
        if value is _UNKNOWN:
            return None
        columns[name] = pa.array([value], field.type)
    if len(set(columns)) != len(wanted):
        return None  # two projections with one name: let DuckDB decide what that means
    return pa.table(columns)


_UNKNOWN = object()


def _aggregates(statement: exp.Expr | None, relation: str) -> list[tuple[str, str, str | None]] | None:
    """(output name, count|min|max, column or None) per projection when the query has the shape answered here."""
    if not isinstance(statement, exp.Select) or any(statement.args.get(clause) for clause in _CLAUSES):
        return None
    source = statement.args.get("from_") or statement.args.get("from")
    table = source.this if isinstance(source, exp.From) else None
    if not isinstance(table, exp.Table) or table.name != relation or table.args.get("db"):
        return None
    wanted: list[tuple[str, str, str | None]] = []
    for projection in statement.expressions:
        alias = projection.alias if isinstance(projection, exp.Alias) else None
        node = projection.this if isinstance(projection, exp.Alias) else projection
        if isinstance(node, exp.Count) and isinstance(node.this, exp.Star):
            wanted.append((alias or "count_star()", "count", None))
        elif isinstance(node, exp.Min | exp.Max) and isinstance(node.this, exp.Column) and not node.expressions:
            column = node.this
            if column.table or not isinstance(column.this, exp.Identifier):
                return None
            function = "min" if isinstance(node, exp.Min) else "max"
            name = column.name
            if alias is None and (not _PLAIN_NAME.match(name) or name in _keywords()):
                return None  # DuckDB would name it `max("day")`: only simple names are spelled here
            wanted.append((alias or f"{function}({name})", function, name))
        else:
            return None
    return wanted or None


@functools.cache
def _keywords() -> frozenset[str]:
    """DuckDB's keywords, which it quotes when it names a result column after an expression."""
    with duckdb.connect(":memory:", config={"enable_external_access": False}) as connection:
        return frozenset(
            str(row[0]).lower() for row in connection.sql("SELECT keyword_name FROM duckdb_keywords()").fetchall()
        )


def _exact(kind: pa.DataType) -> bool:
    return bool(pa.types.is_integer(kind) or pa.types.is_date32(kind))


def _extreme(files: pa.Table, column: str, function: str) -> Any:
    """The min or max over files, skipping files where the column is all NULL; _UNKNOWN if a file lacks stats."""
    names = ("num_records", f"null_count.{column}", f"{function}.{column}")
    if not files.num_rows:
        return None
    if any(name not in files.column_names for name in names):
        return _UNKNOWN
    best: Any = None
    for rows, nulls, value in zip(*(files.column(name).to_pylist() for name in names), strict=True):
        if nulls is None:
            return _UNKNOWN
        if rows == nulls:
            continue
        if value is None:
            return _UNKNOWN
        if best is None or (value < best if function == "min" else value > best):
            best = value
    return best
