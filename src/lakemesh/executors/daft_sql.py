"""SQL the engine compiled or gated, rewritten into the SQL Daft runs with the same meaning.

Only SQL that already passed `lakemesh.engine` (a compiled quality scan, a gated query) comes here; it is
parsed again from that checked text, never from user input. Daft's SQL differs from DuckDB's in a few
places that change results, so those are rewritten: `x IS TRUE` (Daft mishandles NULL there), aggregate
`FILTER (WHERE ...)`, `QUALIFY` for duplicate rows, `TIMESTAMPTZ` literals (Daft's `to_datetime`, in
UTC), and strings compared with timestamp or date columns (DuckDB casts them implicitly, Daft refuses).
Anything else Daft cannot plan is refused with `NotDistributable`, and the caller runs it locally.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import pyarrow as pa
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from lakemesh.core.errors import LakemeshError

DIALECT = "duckdb"
DAFT_TIMESTAMP = "%Y-%m-%dT%H:%M:%S%.f%:z"
DAFT_NAIVE_TIMESTAMP = "%Y-%m-%dT%H:%M:%S%.f"
COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
MAX_PASSES = 32


class NotDistributable(LakemeshError):
    """This work cannot run on the distributed executor with identical results; run it locally."""

    code, title = "not-distributable", "Not distributable"


@dataclass(frozen=True)
class DaftQuery:
    """SQL for Daft, rewritten from SQL the engine compiled or gated."""

    sql: str


def to_daft(sql: str, columns: Mapping[str, pa.DataType] | None = None) -> DaftQuery:
    """Rewrite checked DuckDB SQL for Daft, keeping its meaning (NULLs, empty tables, time zones).

    `columns`: the types of the columns the query reads, to type string literals compared with them.
    """
    types = {name.lower(): kind for name, kind in (columns or {}).items()}
    try:
        tree = sqlglot.parse_one(sql, read=DIALECT)
    except SqlglotError as exc:  # the engine wrote this SQL; failing here is a bug, not user error
        raise NotDistributable(f"the query cannot be rewritten for Daft: {exc}") from exc

    def rewrite(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Is) and isinstance(node.expression, exp.Boolean):
            return _is_boolean(node)
        if isinstance(node, exp.Filter) and isinstance(node.expression, exp.Where):
            return _filtered_aggregate(node)
        if isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.TIMESTAMPTZ) and node.this.is_string:
            return _timestamp(node.this.name)
        if isinstance(node, (*COMPARISONS, exp.Between)):
            return _typed_strings(node, types)
        return node

    # A replaced node's children are not visited again in the same pass: repeat until nothing changes.
    for _ in range(MAX_PASSES):
        rewritten = tree.transform(rewrite)
        if rewritten == tree:
            break
        tree = rewritten
    for select in list(tree.find_all(exp.Select)):
        _replace_qualify(select)
    return DaftQuery(sql=tree.sql(dialect=DIALECT))


def _timestamp(text: str, *, zone: bool = True) -> exp.Expr:
    """A timestamp literal as Daft reads it (it has no TIMESTAMPTZ cast): with time zone in UTC, or without."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise NotDistributable(f"{text!r} is not a timestamp Daft can read") from exc
    if not zone:
        if moment.tzinfo is not None:
            raise NotDistributable(f"{text!r} has a time zone but the column has none")
        iso, pattern = moment.strftime("%Y-%m-%dT%H:%M:%S.%f"), DAFT_NAIVE_TIMESTAMP
    else:
        if moment.tzinfo is None:  # DuckDB reads a zone-less TIMESTAMPTZ literal in the session zone, UTC
            moment = moment.replace(tzinfo=UTC)
        iso, pattern = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"), DAFT_TIMESTAMP
    return exp.Anonymous(this="to_datetime", expressions=[exp.Literal.string(iso), exp.Literal.string(pattern)])


def _typed_strings(node: exp.Expr, types: Mapping[str, pa.DataType]) -> exp.Expr:
    """`ts > '2025-01-01'`: DuckDB casts the string to the column's type; Daft needs the cast written out."""
    keys: tuple[str, ...]
    if isinstance(node, exp.Between):
        column, keys = node.this, ("low", "high")
    elif isinstance(node.this, exp.Column):
        column, keys = node.this, ("expression",)
    else:
        column, keys = node.expression, ("this",)
    kind = types.get(column.name.lower()) if isinstance(column, exp.Column) else None
    strings = [key for key in keys if isinstance(node.args.get(key), exp.Literal) and node.args[key].is_string]
    if kind is None or not strings or not (pa.types.is_timestamp(kind) or pa.types.is_date(kind)):
        return node  # the same node, so the pass goes on into its children
    typed = node.copy()
    for key in strings:
        value = typed.args[key]
        if pa.types.is_date(kind):
            typed.set(key, exp.cast(value.copy(), exp.DataType.Type.DATE))
        else:
            assert isinstance(kind, pa.TimestampType)
            typed.set(key, _timestamp(value.name, zone=kind.tz is not None))
    return typed


def _is_boolean(node: exp.Is) -> exp.Expr:
    """`x IS TRUE` -> `COALESCE(x, FALSE)`; `x IS FALSE` -> `COALESCE(NOT x, FALSE)`: NULL is neither."""
    value = exp.Paren(this=node.this.copy())
    wanted = node.expression.this is True
    return exp.Coalesce(this=value if wanted else exp.Not(this=value), expressions=[exp.false()])


def _filtered_aggregate(node: exp.Filter) -> exp.Expr:
    """`COUNT(*) FILTER (WHERE c)` -> `COALESCE(SUM(CASE WHEN c THEN 1 ELSE 0 END), 0)`; other aggregates see
    only the rows where `c` holds (NULL elsewhere, which aggregates skip)."""
    condition = exp.Coalesce(this=exp.Paren(this=node.expression.this.copy()), expressions=[exp.false()])
    aggregate = node.this
    if isinstance(aggregate, exp.Count) and isinstance(aggregate.this, exp.Star):
        counted = exp.Case(ifs=[exp.If(this=condition, true=exp.Literal.number(1))], default=exp.Literal.number(0))
        return exp.Coalesce(this=exp.Sum(this=counted), expressions=[exp.Literal.number(0)])
    if not isinstance(aggregate, exp.AggFunc) or len(aggregate.args) != 1 or aggregate.this is None:
        raise NotDistributable("Daft cannot filter this aggregate")
    kept = exp.Case(ifs=[exp.If(this=condition, true=aggregate.this.copy())], default=exp.Null())
    rewritten = aggregate.copy()
    rewritten.set("this", kept)
    return rewritten


def _replace_qualify(select: exp.Select) -> None:
    """`QUALIFY COUNT(*) OVER (PARTITION BY c) > 1` (duplicate rows) -> `c IN (values seen more than once)`."""
    qualify = select.args.get("qualify")
    if qualify is None:
        return
    condition = qualify.this
    window = condition.this if isinstance(condition, exp.GT) else None
    source = select.args.get("from_") or select.args.get("from")
    partition = window.args.get("partition_by") if isinstance(window, exp.Window) else None
    if (
        not isinstance(window, exp.Window)
        or not isinstance(window.this, exp.Count)
        or not partition
        or len(partition) != 1
        or source is None
        or select.args.get("joins")
    ):
        raise NotDistributable("Daft has no QUALIFY")
    column = partition[0]
    repeated = (
        exp.select(column.copy())
        .from_(source.this.copy())
        .where(exp.Not(this=exp.Is(this=column.copy(), expression=exp.Null())))
        .group_by(column.copy())
        .having(exp.GT(this=exp.Count(this=exp.Star()), expression=condition.expression.copy()))
    )
    select.set("qualify", None)
    select.where(exp.In(this=column.copy(), query=exp.Subquery(this=repeated)), copy=False)
