"""A model bound to its sources: logical tables with their SQL names and physical columns, relationships
and parsed measures. Built when a model is saved (to validate it) and again for every query."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from lakemesh.core.errors import ErrorItem, InvalidInput
from lakemesh.semantic.dax import ColumnRef, Node, parse_expression
from lakemesh.semantic.models import LogicalTable, SemanticModelSpec


@dataclass(frozen=True)
class BoundColumn:
    name: str  # the DAX name
    source: str  # the physical column
    hidden: bool = False


@dataclass
class BoundTable:
    name: str
    sql_parts: tuple[str, ...]  # e.g. ("product", "sales", "customer_360"): what the governed query resolves
    columns: dict[str, BoundColumn] = field(default_factory=dict)  # by lower-case DAX name

    def column(self, name: str) -> BoundColumn | None:
        return self.columns.get(name.lower())


@dataclass(frozen=True)
class Edge:
    """Many-to-one: `from_table.from_column` finds one row of `to_table` by `to_column`."""

    from_table: str
    from_column: str
    to_table: str
    to_column: str


@dataclass(frozen=True)
class Measure:
    name: str
    expr: Node
    table: str | None


@dataclass
class ModelSchema:
    tables: dict[str, BoundTable]  # by lower-case name
    edges: list[Edge]
    measures: dict[str, Measure]  # by lower-case name

    def table(self, name: str) -> BoundTable | None:
        return self.tables.get(name.lower())

    def path(self, base: str, target: str) -> list[Edge] | None:
        """The many-to-one hops from `base` to `target` (breadth first), or None when unrelated."""
        start, goal = base.lower(), target.lower()
        if start == goal:
            return []
        seen = {start}
        queue: deque[tuple[str, list[Edge]]] = deque([(start, [])])
        while queue:
            current, hops = queue.popleft()
            for edge in self.edges:
                if edge.from_table.lower() == current and edge.to_table.lower() not in seen:
                    route = [*hops, edge]
                    if edge.to_table.lower() == goal:
                        return route
                    seen.add(edge.to_table.lower())
                    queue.append((edge.to_table.lower(), route))
        return None


def bind(spec: SemanticModelSpec, sources: Mapping[str, tuple[tuple[str, ...], list[str]]]) -> ModelSchema:
    """Check the document against its sources and build the schema; every problem is one ErrorItem.

    `sources` maps a logical table's lower-case name to its SQL name and the physical columns the author can read.
    """
    errors: list[ErrorItem] = []
    tables: dict[str, BoundTable] = {}
    for index, logical in enumerate(spec.tables):
        loc: tuple[str | int, ...] = ("tables", index)
        if logical.name.lower() in tables:
            errors.append(ErrorItem((*loc, "name"), f"table {logical.name!r} is defined twice"))
            continue
        if logical.name.lower() not in sources:
            continue  # the caller reported why the source could not be read
        sql_parts, physical = sources[logical.name.lower()]
        table = _bind_table(logical, sql_parts, physical, loc, errors)
        tables[logical.name.lower()] = table
    edges = _edges(spec, tables, errors)
    measures: dict[str, Measure] = {}
    for index, measure in enumerate(spec.measures):
        loc = ("measures", index)
        if measure.name.lower() in measures:
            errors.append(ErrorItem((*loc, "name"), f"measure {measure.name!r} is defined twice"))
            continue
        clash = next((t.name for t in tables.values() if t.column(measure.name)), None)
        if clash is not None:
            errors.append(ErrorItem((*loc, "name"), f"measure {measure.name!r} has the name of a column of {clash}"))
        if measure.table is not None and measure.table.lower() not in tables:
            errors.append(ErrorItem((*loc, "table"), f"no table {measure.table!r} in the model"))
        try:
            expr = parse_expression(measure.expression, loc="expression")
        except InvalidInput as exc:
            errors.extend(ErrorItem((*loc, "expression"), e.message, e.extra) for e in exc.errors)
            continue
        measures[measure.name.lower()] = Measure(measure.name, expr, measure.table)
    if errors:
        raise InvalidInput(f"The semantic model {spec.name!r} is not valid", errors=errors)
    return ModelSchema(tables, edges, measures)


def _bind_table(
    logical: LogicalTable,
    sql_parts: tuple[str, ...],
    physical: list[str],
    loc: tuple[str | int, ...],
    errors: list[ErrorItem],
) -> BoundTable:
    by_lower = {c.lower(): c for c in physical}
    table = BoundTable(logical.name, sql_parts)
    specs = logical.columns or []
    if not specs:
        for column in physical:
            table.columns[column.lower()] = BoundColumn(column, column)
    for c_index, column_spec in enumerate(specs):
        actual = by_lower.get(column_spec.column.lower())
        if actual is None:
            errors.append(
                ErrorItem(
                    (*loc, "columns", c_index, "source"),
                    f"{logical.name}[{column_spec.name}]: the source has no column {column_spec.column!r}",
                )
            )
            continue
        if column_spec.name.lower() in table.columns:
            errors.append(ErrorItem((*loc, "columns", c_index, "name"), f"column {column_spec.name!r} is twice"))
            continue
        table.columns[column_spec.name.lower()] = BoundColumn(column_spec.name, actual, column_spec.hidden)
    return table


def _edges(spec: SemanticModelSpec, tables: dict[str, BoundTable], errors: list[ErrorItem]) -> list[Edge]:
    edges: list[Edge] = []
    for index, relationship in enumerate(spec.relationships):
        ends: list[tuple[str, str]] = []
        for side, text in (("from", relationship.from_), ("to", relationship.to)):
            loc: tuple[str | int, ...] = ("relationships", index, side)
            try:
                ref = parse_expression(text, loc=side)
            except InvalidInput:
                ref = None
            if not isinstance(ref, ColumnRef):
                errors.append(ErrorItem(loc, f"{text!r} is not a column reference like Customers[customer_id]"))
                continue
            table = tables.get(ref.table.lower())
            column = table.column(ref.column) if table else None
            if table is None or column is None:
                errors.append(ErrorItem(loc, f"no column {ref.dax} in the model"))
                continue
            ends.append((table.name, column.name))
        if len(ends) == 2:
            if ends[0][0].lower() == ends[1][0].lower():
                errors.append(ErrorItem(("relationships", index), "a relationship must join two different tables"))
                continue
            edges.append(Edge(ends[0][0], ends[0][1], ends[1][0], ends[1][1]))
    return edges
