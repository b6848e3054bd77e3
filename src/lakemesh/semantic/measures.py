"""Measures in filter context: aggregations become slots computed per base table, the rest an outer expression.

Each aggregation (SUM, COUNTROWS...) runs over the rows of its own table, grouped by the query's grouped
columns, so measures over different tables never double count. CALCULATE's filters become the
aggregation's `FILTER (WHERE ...)`, intersected with the query's filters (like KEEPFILTERS).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from lakemesh.semantic.dax import Call, ColumnRef, Literal, MeasureRef, Node, TableRef, dax_error
from lakemesh.semantic.expressions import RowContext, Scalar, check_arity, paren, resolve_column, tables_of
from lakemesh.semantic.schema import BoundTable, Measure, ModelSchema

AGGREGATES = {"SUM", "AVERAGE", "MIN", "MAX", "COUNT", "COUNTA", "DISTINCTCOUNT", "COUNTROWS"}
UNSUPPORTED_HINTS = {
    "SUMX": "write SUM(Table[Column]) or a measure",
    "ALL": "CALCULATE filters here intersect the query's filters; ALL/REMOVEFILTERS are not in the subset",
    "REMOVEFILTERS": "CALCULATE filters here intersect the query's filters; ALL/REMOVEFILTERS are not in the subset",
}


@dataclass
class Slot:
    """One aggregation over `table`'s rows, under `filters` (row-level DAX conditions)."""

    name: str
    function: str
    argument: ColumnRef | None
    table: BoundTable
    filters: tuple[Node, ...]

    def render(self, rows: RowContext) -> exp.Expr:
        argument = rows.compile(self.argument) if self.argument is not None else exp.Star()
        aggregate: exp.Expr
        if self.function == "SUM":
            aggregate = exp.Sum(this=argument)
        elif self.function == "AVERAGE":
            aggregate = exp.Avg(this=argument)
        elif self.function == "MIN":
            aggregate = exp.Min(this=argument)
        elif self.function == "MAX":
            aggregate = exp.Max(this=argument)
        elif self.function == "DISTINCTCOUNT":
            aggregate = exp.Count(this=exp.Distinct(expressions=[argument]))
        else:  # COUNT, COUNTA, COUNTROWS
            aggregate = exp.Count(this=argument)
        if self.filters:
            conditions = [paren(rows.compile(f)) for f in self.filters]
            condition = conditions[0]
            for more in conditions[1:]:
                condition = exp.And(this=condition, expression=more)
            aggregate = exp.Filter(this=aggregate, expression=exp.Where(this=condition))
        if self.function in {"COUNT", "COUNTA", "DISTINCTCOUNT", "COUNTROWS"}:
            return exp.Nullif(this=aggregate, expression=exp.Literal.number(0))  # no rows is BLANK, as in DAX
        return aggregate


class MeasureContext(Scalar):
    """Compiles measure expressions over the grouped result `j` (columns k0.. for keys, a0.. for slots)."""

    def __init__(
        self,
        schema: ModelSchema,
        keys: list[tuple[str, BoundTable, str]],
        values: dict[str, Node],
        local: dict[str, Measure],
    ) -> None:
        self.schema = schema
        self.keys = keys  # (lower dax name, table, physical column)
        self.values = values  # extension columns by lower-case name
        self.local = local
        self.slots: list[Slot] = []
        self._stack: list[str] = []
        self._filters: tuple[Node, ...] = ()

    def column(self, node: ColumnRef) -> exp.Expr:
        table, _ = resolve_column(self.schema, node)
        wanted = f"{table.name}[{node.column}]".lower()
        for index, (name, _, _) in enumerate(self.keys):
            if name == wanted:
                return exp.column(f"k{index}", table="j")
        raise dax_error(
            f"column {node.dax} is neither grouped nor aggregated; wrap it in SUM, MIN, MAX... or group by it",
            node.pos,
        )

    def measure(self, node: MeasureRef) -> exp.Expr:
        key = node.name.lower()
        body: Node | None = None
        frame = f"column:{key}"
        if key in self.values and frame not in self._stack:
            body = self.values[key]  # an extension column of this query, e.g. "Total" in SUMMARIZECOLUMNS
        else:
            frame = key
            if key in self._stack:
                loop = " → ".join(self._named([*self._stack[self._stack.index(key) :], key]))
                raise dax_error(f"measures refer to each other in a loop ({loop})", node.pos)
            found = self.local.get(key) or self.schema.measures.get(key)
            body = found.expr if found else None
        if body is None:
            raise dax_error(f"unknown measure [{node.name}]", node.pos)
        self._stack.append(frame)
        try:
            return paren(self.compile(body))
        finally:
            self._stack.pop()

    def _named(self, keys: list[str]) -> list[str]:
        names = []
        for key in (k for k in keys if not k.startswith("column:")):
            found = self.local.get(key) or self.schema.measures.get(key)
            names.append(f"[{found.name}]" if found else f"[{key}]")
        return names

    def other_call(self, node: Call) -> exp.Expr:
        if node.name in AGGREGATES:
            return self._aggregate(node)
        if node.name == "DIVIDE":
            check_arity(node, 2, 3)
            numerator, denominator = paren(self.compile(node.args[0])), paren(self.compile(node.args[1]))
            alternate = self.compile(node.args[2]) if len(node.args) > 2 else exp.Null()
            zero = exp.Or(
                this=exp.Is(this=denominator, expression=exp.Null()),
                expression=exp.EQ(this=denominator.copy(), expression=exp.Literal.number(0)),
            )
            division = exp.Div(this=numerator, expression=denominator.copy())
            return exp.Case(ifs=[exp.If(this=zero, true=alternate)], default=division)
        if node.name == "CALCULATE":
            if not node.args:
                raise dax_error("CALCULATE needs an expression", node.pos)
            saved = self._filters
            self._filters = (*saved, *(self._filter(f) for f in node.args[1:]))
            try:
                return self.compile(node.args[0])
            finally:
                self._filters = saved
        hint = UNSUPPORTED_HINTS.get(node.name)
        message = f"function {node.name} is not supported in this DAX subset"
        raise dax_error(f"{message} ({hint})" if hint else message, node.pos)

    def _filter(self, node: Node) -> Node:
        """A CALCULATE filter: a condition on columns, FILTER(Table, condition) or KEEPFILTERS(...)."""
        if isinstance(node, Call) and node.name == "KEEPFILTERS":
            check_arity(node, 1, 1)
            return self._filter(node.args[0])
        if isinstance(node, Call) and node.name == "FILTER":
            check_arity(node, 2, 2)
            if not isinstance(node.args[0], TableRef):
                raise dax_error("FILTER inside CALCULATE takes a model table as its first argument", node.pos)
            return node.args[1]
        if isinstance(node, Call) and node.name in UNSUPPORTED_HINTS:
            raise dax_error(
                f"{node.name} is not supported in this DAX subset ({UNSUPPORTED_HINTS[node.name]})", node.pos
            )
        if not tables_of(node):
            raise dax_error('a CALCULATE filter must test a column, like Customers[Segment] = "SMB"', node.pos)
        return node

    def _aggregate(self, node: Call) -> exp.Expr:
        check_arity(node, 1, 1)
        argument = node.args[0]
        filters = self._filters
        column: ColumnRef | None = None
        if node.name == "COUNTROWS":
            if isinstance(argument, Call) and argument.name == "FILTER":
                check_arity(argument, 2, 2)
                filters = (*filters, argument.args[1])
                argument = argument.args[0]
            if not isinstance(argument, TableRef):
                raise dax_error("COUNTROWS takes a model table or FILTER(Table, condition)", node.pos)
            table = self.schema.table(argument.name)
            if table is None:
                raise dax_error(f"unknown table {argument.name!r}", argument.pos)
        else:
            if not isinstance(argument, ColumnRef):
                raise dax_error(f"{node.name} takes a column like Customers[lifetime_value]", node.pos)
            table, _ = resolve_column(self.schema, argument)
            column = argument
        for existing in self.slots:
            same = (existing.function, existing.argument, existing.table.name, existing.filters)
            if same == (node.name, column, table.name, filters):
                return exp.column(existing.name, table="j")
        slot = Slot(f"a{len(self.slots)}", node.name, column, table, filters)
        self.slots.append(slot)
        return exp.column(slot.name, table="j")


def is_literal_name(node: Node) -> str | None:
    """The name of an extension column (`"Total"` in ADDCOLUMNS/SUMMARIZECOLUMNS), or None."""
    if isinstance(node, Literal) and isinstance(node.value, str) and node.value.strip():
        name = node.value.strip()
        return name[1:-1] if name.startswith("[") and name.endswith("]") else name
    return None
