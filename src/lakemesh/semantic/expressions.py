"""DAX scalar expressions as sqlglot expressions: row context (filters, row columns) over one base table.

Columns of related tables are reached through many-to-one relationships, joined on demand. Nothing here
renders SQL text; the compiler renders the finished tree once and the governed query path gates it.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from lakemesh.semantic.dax import (
    BinaryOp,
    Call,
    ColumnRef,
    InList,
    Literal,
    MeasureRef,
    Negate,
    Node,
    Not,
    TableRef,
    dax_error,
)
from lakemesh.semantic.schema import BoundTable, ModelSchema

COMPARISONS: dict[str, type[exp.Expr]] = {
    "=": exp.EQ,
    "<>": exp.NEQ,
    "<": exp.LT,
    "<=": exp.LTE,
    ">": exp.GT,
    ">=": exp.GTE,
}
ARITHMETIC: dict[str, type[exp.Expr]] = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul, "/": exp.Div}
SCALAR_CALLS: dict[str, Callable[[list[exp.Expr]], exp.Expr]] = {
    "UPPER": lambda a: exp.Upper(this=a[0]),
    "LOWER": lambda a: exp.Lower(this=a[0]),
    "LEN": lambda a: exp.Length(this=a[0]),
    "ABS": lambda a: exp.Abs(this=a[0]),
    "ROUND": lambda a: exp.Round(this=a[0], decimals=a[1] if len(a) > 1 else None),
    "YEAR": lambda a: exp.Year(this=a[0]),
    "MONTH": lambda a: exp.Month(this=a[0]),
    "DAY": lambda a: exp.Day(this=a[0]),
    "ISBLANK": lambda a: exp.Is(this=a[0], expression=exp.Null()),
    "AND": lambda a: exp.And(this=a[0], expression=a[1]),
    "OR": lambda a: exp.Or(this=a[0], expression=a[1]),
}
ARITY = {"ROUND": (1, 2), "AND": (2, 2), "OR": (2, 2)}


def literal(node: Literal) -> exp.Expr:
    value = node.value
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, str):
        return exp.Literal.string(value)
    return exp.Literal.number(value)


def paren(e: exp.Expr) -> exp.Expr:
    return e if isinstance(e, exp.Column | exp.Literal | exp.Paren | exp.Func) else exp.Paren(this=e)


def table_name(parts: tuple[str, ...], alias: str) -> exp.Table:
    names = [exp.to_identifier(p) for p in parts]
    return exp.Table(
        this=names[-1],
        db=names[-2] if len(names) > 1 else None,
        catalog=names[-3] if len(names) > 2 else None,
        alias=exp.TableAlias(this=exp.to_identifier(alias)),
    )


class Scalar:
    """Compiles the operators and scalar functions shared by every context; subclasses resolve names."""

    def compile(self, node: Node) -> exp.Expr:
        if isinstance(node, Literal):
            return literal(node)
        if isinstance(node, BinaryOp):
            return self.operator(node)
        if isinstance(node, Not):
            return exp.Not(this=paren(self.compile(node.operand)))
        if isinstance(node, Negate):
            return exp.Neg(this=paren(self.compile(node.operand)))
        if isinstance(node, InList):
            return exp.In(this=paren(self.compile(node.operand)), expressions=[self.compile(v) for v in node.values])
        if isinstance(node, TableRef) and node.name.upper() in {"TRUE", "FALSE"}:
            return exp.Boolean(this=node.name.upper() == "TRUE")
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, ColumnRef):
            return self.column(node)
        if isinstance(node, MeasureRef):
            return self.measure(node)
        if isinstance(node, TableRef):
            raise dax_error(f"the table {node.name} cannot be used as a value here", node.pos)
        raise dax_error(f"{type(node).__name__} is not supported here", node.pos)

    def operator(self, node: BinaryOp) -> exp.Expr:
        left, right = paren(self.compile(node.left)), paren(self.compile(node.right))
        if node.op in COMPARISONS:
            return COMPARISONS[node.op](this=left, expression=right)
        if node.op in ARITHMETIC:
            return ARITHMETIC[node.op](this=left, expression=right)
        if node.op == "&&":
            return exp.And(this=left, expression=right)
        if node.op == "||":
            return exp.Or(this=left, expression=right)
        if node.op == "&":
            return exp.Concat(expressions=[left, right])
        raise dax_error(f"operator {node.op} is not supported", node.pos)

    def call(self, node: Call) -> exp.Expr:
        if node.name in {"TRUE", "FALSE"} and not node.args:
            return exp.Boolean(this=node.name == "TRUE")
        if node.name == "BLANK" and not node.args:
            return exp.Null()
        if node.name == "IF":
            check_arity(node, 2, 3)
            default = self.compile(node.args[2]) if len(node.args) > 2 else exp.Null()
            branch = exp.If(this=self.compile(node.args[0]), true=self.compile(node.args[1]))
            return exp.Case(ifs=[branch], default=default)
        if node.name in SCALAR_CALLS:
            low, high = ARITY.get(node.name, (1, 1))
            check_arity(node, low, high)
            return SCALAR_CALLS[node.name]([self.compile(a) for a in node.args])
        return self.other_call(node)

    def other_call(self, node: Call) -> exp.Expr:
        raise dax_error(f"function {node.name} is not supported here", node.pos)

    def column(self, node: ColumnRef) -> exp.Expr:
        raise dax_error(f"column {node.dax} cannot be used here", node.pos)

    def measure(self, node: MeasureRef) -> exp.Expr:
        raise dax_error(f"[{node.name}] cannot be used here", node.pos)


def check_arity(node: Call, low: int, high: int) -> None:
    if not low <= len(node.args) <= high:
        wanted = str(low) if low == high else f"{low} to {high}"
        raise dax_error(f"{node.name} takes {wanted} arguments, not {len(node.args)}", node.pos)


class RowContext(Scalar):
    """Columns of `base` and of the tables it reaches; joins are added as columns need them."""

    def __init__(self, schema: ModelSchema, base: BoundTable, prefix: str = "t") -> None:
        self.schema = schema
        self.base = base
        self.prefix = prefix
        self.aliases: dict[str, str] = {base.name.lower(): f"{prefix}0"}
        self.joins: list[exp.Join] = []

    def source(self) -> exp.Select:
        select = exp.select().from_(table_name(self.base.sql_parts, self.aliases[self.base.name.lower()]))
        for join in self.joins:
            select = select.join(join)
        return select

    def reaches(self, table: str) -> bool:
        return self.schema.path(self.base.name, table) is not None

    def alias_for(self, table: BoundTable, pos: tuple[int, int]) -> str:
        key = table.name.lower()
        if key in self.aliases:
            return self.aliases[key]
        hops = self.schema.path(self.base.name, table.name)
        if hops is None:
            raise dax_error(
                f"{table.name} is not related to {self.base.name}; add a many-to-one relationship from "
                f"{self.base.name} to {table.name}",
                pos,
            )
        for hop in hops:
            target = hop.to_table.lower()
            if target in self.aliases:
                continue
            alias = f"{self.prefix}{len(self.aliases)}"
            source_alias = self.aliases[hop.from_table.lower()]
            from_column = self._physical(hop.from_table, hop.from_column)
            to_table = self.schema.tables[target]
            condition = exp.EQ(
                this=exp.column(from_column, table=source_alias, quoted=True),
                expression=exp.column(self._physical(hop.to_table, hop.to_column), table=alias, quoted=True),
            )
            self.joins.append(exp.Join(this=table_name(to_table.sql_parts, alias), on=condition, side="LEFT"))
            self.aliases[target] = alias
        return self.aliases[key]

    def _physical(self, table: str, column: str) -> str:
        bound = self.schema.tables[table.lower()].column(column)
        assert bound is not None
        return bound.source

    def column(self, node: ColumnRef) -> exp.Expr:
        table, column = resolve_column(self.schema, node)
        return exp.column(column, table=self.alias_for(table, node.pos), quoted=True)

    def other_call(self, node: Call) -> exp.Expr:
        if node.name == "RELATED":
            check_arity(node, 1, 1)
            if not isinstance(node.args[0], ColumnRef):
                raise dax_error("RELATED takes a column like Customers[Segment]", node.pos)
            return self.column(node.args[0])
        return super().other_call(node)

    def measure(self, node: MeasureRef) -> exp.Expr:
        raise dax_error(
            f"[{node.name}] is a measure or an unknown column; row filters and row expressions take columns "
            "written Table[Column]",
            node.pos,
        )


def resolve_column(schema: ModelSchema, node: ColumnRef) -> tuple[BoundTable, str]:
    table = schema.table(node.table)
    if table is None:
        raise dax_error(f"unknown table {node.table!r}", node.pos)
    column = table.column(node.column)
    if column is None:
        raise dax_error(f"unknown column {node.dax}", node.pos)
    return table, column.source


def tables_of(node: Node) -> set[str]:
    """The lower-case table names a (row-level) expression mentions."""
    found: set[str] = set()
    if isinstance(node, ColumnRef):
        found.add(node.table.lower())
    elif isinstance(node, Call):
        for arg in node.args:
            found |= tables_of(arg)
    elif isinstance(node, BinaryOp):
        found |= tables_of(node.left) | tables_of(node.right)
    elif isinstance(node, Not | Negate | InList):
        found |= tables_of(node.operand)
    elif isinstance(node, TableRef):
        found.add(node.name.lower())
    return found
