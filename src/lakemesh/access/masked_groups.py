"""GROUP BY a masked column: aggregate on the clear value first, mask the (fewer) groups, then aggregate again.

`SELECT email, count(*) FROM t GROUP BY email` over a masked view evaluates the mask on every row before
grouping; when the table has far fewer distinct values than rows, masking each group instead is much cheaper.
The rewrite is exact, never a different answer: the engine's view (`MaskedGrouping`) groups the scan by the
clear key columns, aggregates the masked values of the other columns, and masks the keys; the query then
groups by the masked keys and combines the partial aggregates (count and sum add up, min and max compose).
So the result has the masked query's groups, counts and values and no others. Only queries it can prove
that of are rewritten: one masked table, no join, subquery, window, DISTINCT, HAVING or FILTER, aggregates
limited to count/sum/min/max (sum of integers and decimals: float sums depend on order), a WHERE only over
columns the reader sees in clear, and nothing but keys outside the aggregates. Anything else scans as before.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import pyarrow as pa
from sqlglot import exp

from lakemesh.core.errors import InvalidInput
from lakemesh.engine.functions import ROW_RULE_FUNCTIONS
from lakemesh.engine.scalar import check_row_expression
from lakemesh.engine.session import MaskedGrouping

DIALECT = "duckdb"
PARTIAL_PREFIX = "lakemesh_partial_"
_PLAIN_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_REFUSED_CLAUSES = ("joins", "having", "qualify", "distinct", "with", "windows", "laterals", "pivots", "sample")
_AGGREGATES: dict[type[exp.Expr], str] = {exp.Count: "count", exp.Sum: "sum", exp.Min: "min", exp.Max: "max"}
# Nodes the rewritten query may contain outside its WHERE (checked as a row expression): nothing that could
# aggregate, look at other rows or hide a second query.
_OUTER_NODES: tuple[type[exp.Expr], ...] = (
    exp.Select,
    exp.From,
    exp.Table,
    exp.TableAlias,
    exp.Identifier,
    exp.Column,
    exp.Alias,
    exp.Group,
    exp.Order,
    exp.Ordered,
    exp.Limit,
    exp.Offset,
    exp.Literal,
    exp.Star,
    exp.Paren,
    exp.Neg,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.Cast,
    exp.DataType,
    exp.DataTypeParam,
    exp.Where,
    *_AGGREGATES,
)


@dataclass(frozen=True)
class GroupedPlan:
    """The view to register (`grouping`) and the query to run over it (`statement`)."""

    grouping: MaskedGrouping
    statement: exp.Select


def plan_masked_grouping(
    statement: exp.Expr | None, relation: str, schema: pa.Schema, columns: Mapping[str, str] | None
) -> GroupedPlan | None:
    """A pre-aggregating plan for `statement` over the masked `relation`, or None to scan row by row."""
    if columns is None or not isinstance(statement, exp.Select) or not _plain_shape(statement, relation):
        return None
    names = {f.name.lower(): f for f in schema}
    if set(names) != {name.lower() for name in columns} or any(n.startswith(PARTIAL_PREFIX) for n in names):
        return None
    clear = {name for name, expression in columns.items() if _is_plain(expression, name)}
    keys = _keys(statement, names)
    if keys is None or all(key in clear for key in keys) or not all(_own_column(columns[k], k) for k in keys):
        return None
    provable, where = _clear_filter(statement, clear)
    if not provable:
        return None
    rewritten = statement.copy()
    rewritten.set("where", None)
    partials: list[tuple[str, str, str | None]] = []
    for node in list(rewritten.find_all(*_AGGREGATES)):
        partial = _partial(node, names, len(partials))
        if partial is None:
            return None
        partials.append(partial)
        node.replace(_combine(node, partial[0]))
    if not partials or not _outputs_named(statement, rewritten) or not _only_keys_outside(rewritten, keys):
        return None
    grouping = MaskedGrouping(keys=tuple(keys), partials=tuple(partials), where=where)
    return GroupedPlan(grouping, rewritten)


def _plain_shape(statement: exp.Select, relation: str) -> bool:
    if any(statement.args.get(clause) for clause in _REFUSED_CLAUSES) or not statement.args.get("group"):
        return False
    source = statement.args.get("from_") or statement.args.get("from")
    table = source.this if isinstance(source, exp.From) else None
    if not isinstance(table, exp.Table) or table.name != relation or table.args.get("db"):
        return False
    group = statement.args["group"]
    if any(group.args.get(kind) for kind in ("grouping_sets", "cube", "rollup", "totals", "all")):
        return False
    where = statement.args.get("where")
    for node in statement.walk():
        if where is not None and node is not where and where in _ancestors(node):
            continue  # the WHERE is checked as a row expression
        if not isinstance(node, _OUTER_NODES):
            return False
        if isinstance(node, exp.Star) and not isinstance(node.parent, exp.Count):
            return False  # `*` or `t.*` would list the view's partial aggregates
    return True


def _ancestors(node: exp.Expr) -> list[exp.Expr]:
    found, parent = [], node.parent
    while parent is not None:
        found.append(parent)
        parent = parent.parent
    return found


def _keys(statement: exp.Select, names: Mapping[str, pa.Field]) -> list[str] | None:
    keys: list[str] = []
    for item in statement.args["group"].expressions:
        if not isinstance(item, exp.Column) or not isinstance(item.this, exp.Identifier):
            return None  # an ordinal or an expression: not proven here
        field = names.get(item.name.lower())
        if field is None:
            return None
        if field.name not in keys:
            keys.append(field.name)
    return keys


def _clear_filter(statement: exp.Select, clear: set[str]) -> tuple[bool, str | None]:
    """(provable, the WHERE as SQL over the scan or None without one): provable when it reads clear columns only."""
    where = statement.args.get("where")
    if where is None:
        return True, None
    condition = where.this.copy()
    for column in condition.find_all(exp.Column):
        if column.name.lower() not in {c.lower() for c in clear}:
            return False, None
        column.set("table", None)
    try:
        check_row_expression(condition, ("sql",), what="a filter", functions=ROW_RULE_FUNCTIONS)
    except InvalidInput:
        return False, None
    return True, str(condition.sql(dialect=DIALECT))


def _partial(node: exp.Expr, names: Mapping[str, pa.Field], index: int) -> tuple[str, str, str | None] | None:
    function = _AGGREGATES[type(node)]
    argument = node.this
    if node.expressions or isinstance(argument, exp.Distinct):
        return None
    name = f"{PARTIAL_PREFIX}{index}"
    if isinstance(argument, exp.Star):
        return (name, function, None) if function == "count" else None
    if not isinstance(argument, exp.Column) or not isinstance(argument.this, exp.Identifier):
        return None
    field = names.get(argument.name.lower())
    if field is None:
        return None
    kind = field.type
    if function == "sum" and not (pa.types.is_integer(kind) or pa.types.is_decimal(kind)):
        return None  # a float sum depends on the order it adds in
    return name, function, field.name


def _combine(node: exp.Expr, partial: str) -> exp.Expr:
    """How the query combines one partial aggregate: counts add up (as BIGINT, count's type), the rest compose."""
    column = exp.column(partial, quoted=True)
    if isinstance(node, exp.Count):
        return exp.Cast(this=exp.Sum(this=column), to=exp.DataType.build("BIGINT"))
    return type(node)(this=column)


def _outputs_named(original: exp.Select, rewritten: exp.Select) -> bool:
    """Keep each output column's name: an unaliased aggregate is named as DuckDB names it, or not rewritten."""
    for before, after in zip(original.expressions, rewritten.expressions, strict=True):
        if isinstance(before, exp.Alias | exp.Column):
            continue
        if type(before) not in _AGGREGATES:
            return False
        argument = before.args.get("this")
        if isinstance(argument, exp.Star):
            name = "count_star()"
        elif isinstance(argument, exp.Column) and not argument.table and _simple(argument.name):
            name = f"{_AGGREGATES[type(before)]}({argument.name})"
        else:
            return False
        after.replace(exp.alias_(after.copy(), name, quoted=True))
    return True


def _simple(name: str) -> bool:
    return bool(_PLAIN_NAME.match(name)) and name not in _keywords()


@functools.cache
def _keywords() -> frozenset[str]:
    with duckdb.connect(":memory:", config={"enable_external_access": False}) as connection:
        rows = connection.sql("SELECT keyword_name FROM duckdb_keywords()").fetchall()
    return frozenset(str(row[0]).lower() for row in rows)


def _only_keys_outside(rewritten: exp.Select, keys: list[str]) -> bool:
    """Every column the rewritten query reads is a key, a partial, or (in ORDER BY) an output's alias."""
    allowed = {key.lower() for key in keys}
    aliases = {p.alias.lower() for p in rewritten.expressions if isinstance(p, exp.Alias)}
    for column in rewritten.find_all(exp.Column):
        name = column.name.lower()
        if name in allowed or (name.startswith(PARTIAL_PREFIX) and not column.table):
            continue
        if name in aliases and not column.table and column.find_ancestor(exp.Order) is not None:
            continue
        return False
    return True


def _is_plain(expression: str, name: str) -> bool:
    return expression == exp.column(name, quoted=True).sql(dialect=DIALECT)


@functools.lru_cache(maxsize=1024)
def _own_column(expression: str, name: str) -> bool:
    """The key's mask reads only that column, so masking a group's clear value is masking each of its rows."""
    from sqlglot import parse_one

    parsed = parse_one(expression, read=DIALECT)
    return all(column.name == name for column in parsed.find_all(exp.Column))
