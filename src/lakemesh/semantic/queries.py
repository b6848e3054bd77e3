"""The JSON query form (dimensions, measures, filters) as a DAX syntax tree, never as DAX text."""

from __future__ import annotations

from lakemesh.semantic.dax import (
    BinaryOp,
    Call,
    ColumnRef,
    InList,
    Literal,
    MeasureRef,
    Node,
    Not,
    OrderItem,
    Query,
    dax_error,
    parse_expression,
)
from lakemesh.semantic.models import QueryFilter, SemanticQuery

START = (1, 1)


def structured_query(request: SemanticQuery) -> Query:
    """`SUMMARIZECOLUMNS(dimensions..., filters..., "M", [M]...)` with an optional ORDER BY."""
    args: list[Node] = [_column(d, ("dimensions", i)) for i, d in enumerate(request.dimensions)]
    for index, item in enumerate(request.filters):
        args.append(_condition(item, index))
    for measure in request.measures:
        name = measure.strip()
        name = name[1:-1] if name.startswith("[") and name.endswith("]") else name
        args.append(Literal(START, name))
        args.append(MeasureRef(START, name))
    order = tuple(OrderItem(_orderable(o), request.descending) for o in request.order_by)
    return Query(table=Call(START, "SUMMARIZECOLUMNS", tuple(args)), order_by=order)


def _column(text: str, loc: tuple[str, int]) -> ColumnRef:
    node = parse_expression(text, loc=f"{loc[0]}.{loc[1]}")
    if not isinstance(node, ColumnRef):
        raise dax_error(f"{text!r} is not a column like Customers[Segment]", loc=f"{loc[0]}.{loc[1]}")
    return node


def _orderable(text: str) -> Node:
    node = parse_expression(text, loc="order_by")
    if not isinstance(node, ColumnRef | MeasureRef):
        raise dax_error(f"{text!r} is not a column or a [measure]", loc="order_by")
    return node


def _condition(item: QueryFilter, index: int) -> Node:
    column = _column(item.column, ("filters", index))
    if item.op in {"in", "not in"}:
        if not item.values:
            raise dax_error(f"the {item.op!r} filter needs values", loc=f"filters.{index}.values")
        test: Node = InList(START, column, tuple(Literal(START, v) for v in item.values))
        return Not(START, test) if item.op == "not in" else test
    op = "<>" if item.op == "!=" else item.op
    if item.value is None and op in {"=", "<>"}:
        blank: Node = Call(START, "ISBLANK", (column,))
        return blank if op == "=" else Not(START, blank)
    return BinaryOp(START, op, column, Literal(START, item.value))
