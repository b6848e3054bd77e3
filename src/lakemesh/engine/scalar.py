"""Row expressions: what a quality rule condition or a column mask may contain.

An expression over one row may reference columns of that row, literals, operators and allow-listed
scalar functions. Anything that reaches beyond the row (subqueries, tables, aggregates, windows,
parameters) is refused with the construct named, so the rule's author knows what to change.
"""

from __future__ import annotations

from sqlglot import exp

from lakemesh.engine.functions import (
    AGGREGATE_FUNCTIONS,
    AGGREGATE_NAMES,
    ROW_RULE_FUNCTIONS,
    WINDOW_FUNCTIONS,
    FunctionPolicy,
    function_name,
    refuse,
)

# Structural nodes a row expression may contain; functions are checked against a FunctionPolicy.
ALLOWED_NODES: tuple[type[exp.Expr], ...] = (
    exp.Column,
    exp.Identifier,
    exp.Literal,
    exp.Boolean,
    exp.Null,
    exp.Paren,
    exp.Neg,
    exp.Not,
    exp.And,
    exp.Or,
    exp.Xor,
    exp.EQ,
    exp.NEQ,
    exp.GT,
    exp.GTE,
    exp.LT,
    exp.LTE,
    exp.NullSafeEQ,
    exp.NullSafeNEQ,
    exp.Is,
    exp.Between,
    exp.In,
    exp.Like,
    exp.ILike,
    exp.Escape,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.IntDiv,
    exp.Mod,
    exp.DPipe,
    exp.DataType,
    exp.DataTypeParam,
    exp.Var,
    exp.Interval,
)

# Nodes whose result can never be a boolean, refused at the top of a condition.
_NOT_BOOLEAN: tuple[type[exp.Expr], ...] = (
    exp.Literal,
    exp.Null,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.IntDiv,
    exp.Mod,
    exp.DPipe,
    exp.Neg,
    exp.Interval,
)


def check_row_expression(
    node: exp.Expr,
    loc: tuple[str | int, ...],
    *,
    what: str = "a row rule",
    functions: FunctionPolicy = ROW_RULE_FUNCTIONS,
) -> None:
    """Refuse anything in `node` that is not a plain expression over one row."""
    for child in node.walk():
        if isinstance(child, exp.Exists):
            raise refuse(loc, f"a subquery is not allowed in {what}")
        if isinstance(child, exp.Func):
            if not functions.allows(child):
                raise refuse(loc, _function_message(child, what))
        elif isinstance(child, exp.Column):
            if child.table or child.args.get("db") or child.args.get("catalog"):
                raise refuse(loc, f"column {child.sql(dialect='duckdb')} must not be qualified in {what}")
            if isinstance(child.this, exp.Star):
                raise refuse(loc, f"* is not allowed in {what}; name the columns")
        elif isinstance(child, exp.In) and (child.args.get("query") or child.args.get("unnest")):
            raise refuse(loc, f"a subquery is not allowed in {what}; IN takes a list of values")
        elif not isinstance(child, ALLOWED_NODES):
            raise refuse(loc, f"{construct_name(child)} is not allowed in {what}")


def check_condition(node: exp.Expr, loc: tuple[str | int, ...], *, what: str = "a row rule") -> None:
    """A rule is a condition: refuse expressions that can only be a number or a string."""
    check_row_expression(node, loc, what=what)
    inner = node.unnest()
    if isinstance(inner, _NOT_BOOLEAN):
        raise refuse(loc, f"{what} must be a condition such as `amount >= 0`, not {inner.sql(dialect='duckdb')}")


def columns_of(node: exp.Expr) -> frozenset[str]:
    return frozenset(column.name for column in node.find_all(exp.Column))


def quote_columns(node: exp.Expr) -> exp.Expr:
    """Column names become quoted identifiers so no name can be read as SQL."""

    def quote(child: exp.Expr) -> exp.Expr:
        if isinstance(child, exp.Column):
            return exp.column(child.name, quoted=True)
        return child

    return node.transform(quote)


def construct_name(node: exp.Expr) -> str:
    """How to name a refused construct in a message a user can act on."""
    if isinstance(node, exp.Query | exp.Subquery | exp.Exists | exp.Any | exp.All):
        return "a subquery"
    if isinstance(node, exp.Star):
        return "*"
    if isinstance(node, exp.Window):
        return "a window function"
    if isinstance(node, exp.Placeholder | exp.Parameter):
        return "a query parameter"
    if isinstance(node, exp.Alias | exp.Aliases):
        return "an AS alias"
    if isinstance(node, exp.Table):
        return f"table {node.sql(dialect='duckdb')}"
    return type(node).__name__.upper()


def _function_message(node: exp.Func, what: str) -> str:
    name = function_name(node)
    is_aggregate = type(node) in AGGREGATE_FUNCTIONS or (isinstance(node, exp.Anonymous) and name in AGGREGATE_NAMES)
    if is_aggregate:
        return f"aggregate function {name}() is not allowed in {what}; use a dataset rule such as unique(col)"
    if type(node) in WINDOW_FUNCTIONS:
        return f"window function {name}() is not allowed in {what}"
    return f"function {name}() is not allowed in {what}"
