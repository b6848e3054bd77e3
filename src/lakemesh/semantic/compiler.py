"""DAX table expressions to one SQL query (a sqlglot tree), with DAX-style output names (`Customers[Segment]`).

A query becomes one of three plans: `Scan` (rows of one model table), `Group` (grouped columns plus
measures: SUMMARIZE, SUMMARIZECOLUMNS, VALUES, ADDCOLUMNS, ROW) or `Wrapped` (filters and ordering
over a finished result, e.g. after TOPN). The SQL names model tables by their mesh names; the
governed query path resolves them, so grants and masking apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from sqlglot import exp

from lakemesh.semantic.dax import (
    BinaryOp,
    Call,
    ColumnRef,
    Direction,
    InList,
    Literal,
    MeasureRef,
    Node,
    Not,
    Query,
    TableRef,
    dax_error,
)
from lakemesh.semantic.expressions import RowContext, Scalar, check_arity, paren, resolve_column, tables_of
from lakemesh.semantic.measures import MeasureContext, is_literal_name
from lakemesh.semantic.schema import BoundTable, Measure, ModelSchema

TABLE_FUNCTIONS = "SUMMARIZE, SUMMARIZECOLUMNS, ADDCOLUMNS, FILTER, CALCULATETABLE, TOPN, VALUES, DISTINCT, ALL, ROW"
Order = list[tuple[Node, bool]]


@dataclass
class Scan:
    table: BoundTable
    filters: list[Node] = field(default_factory=list)
    extra: list[tuple[str, Node]] = field(default_factory=list)
    order: Order = field(default_factory=list)
    limit: int | None = None


@dataclass
class Group:
    keys: list[ColumnRef]
    values: list[tuple[str, Node]] = field(default_factory=list)
    filters: list[Node] = field(default_factory=list)
    having: list[Node] = field(default_factory=list)
    driver: BoundTable | None = None  # SUMMARIZE's table: its rows decide which groups exist
    nonblank: bool = False  # SUMMARIZECOLUMNS drops rows where every measure is blank
    order: Order = field(default_factory=list)
    limit: int | None = None


@dataclass
class Wrapped:
    inner: Plan
    filters: list[Node] = field(default_factory=list)
    order: Order = field(default_factory=list)
    limit: int | None = None


Plan = Union[Scan, Group, Wrapped]  # noqa: UP007 - a runtime alias used in isinstance-free annotations


@dataclass(frozen=True)
class CompiledQuery:
    select: exp.Select
    columns: list[str]

    @property
    def sql(self) -> str:
        return self.select.sql(dialect="duckdb")


class Compiler:
    def __init__(self, schema: ModelSchema, local: dict[str, Measure] | None = None) -> None:
        self.schema = schema
        self.local = local or {}

    # -- entry points ------------------------------------------------------------------------------
    def query(self, query: Query) -> CompiledQuery:
        local = dict(self.local)
        for definition in query.measures:
            local[definition.name.lower()] = Measure(definition.name, definition.expr, None)
        compiler = Compiler(self.schema, local)
        plan = compiler.plan(query.table)
        if query.order_by:
            plan = _unlimited(plan)
            plan.order = [(item.expr, item.descending) for item in query.order_by]
        return compiler.render(plan)

    def render(self, plan: Plan) -> CompiledQuery:
        if isinstance(plan, Scan):
            return self._render_scan(plan)
        if isinstance(plan, Group):
            return self._render_group(plan)
        return self._render_wrapped(plan)

    # -- table functions ---------------------------------------------------------------------------
    def plan(self, node: Node) -> Plan:
        if isinstance(node, TableRef):
            return Scan(self._table(node))
        if not isinstance(node, Call):
            raise dax_error("EVALUATE needs a table expression (a table or a table function)", node.pos)
        handler = getattr(self, f"_fn_{node.name.lower()}", None)
        if handler is None:
            raise dax_error(
                f"function {node.name} is not supported in this DAX subset; table functions: {TABLE_FUNCTIONS}",
                node.pos,
            )
        plan: Plan = handler(node)
        return plan

    def _fn_summarize(self, node: Call) -> Plan:
        if not node.args:
            raise dax_error("SUMMARIZE needs a table", node.pos)
        base = self.plan(node.args[0])
        if not isinstance(base, Scan) or base.extra or base.limit is not None:
            raise dax_error("SUMMARIZE's first argument must be a model table (optionally filtered)", node.pos)
        keys, values, filters = self._arguments(node, node.args[1:], allow_filters=False)
        return Group(keys, values, filters=base.filters + filters, driver=base.table)

    def _fn_summarizecolumns(self, node: Call) -> Plan:
        keys, values, filters = self._arguments(node, node.args, allow_filters=True)
        return Group(keys, values, filters=filters, nonblank=True)

    def _fn_row(self, node: Call) -> Plan:
        _, values, _ = self._arguments(node, node.args, allow_filters=False, allow_keys=False)
        return Group([], values)

    def _fn_addcolumns(self, node: Call) -> Plan:
        if not node.args:
            raise dax_error("ADDCOLUMNS needs a table", node.pos)
        plan = self.plan(node.args[0])
        _, values, _ = self._arguments(node, node.args[1:], allow_filters=False, allow_keys=False)
        if isinstance(plan, Group) and plan.limit is None:
            plan.values.extend(values)
            return plan
        if isinstance(plan, Scan) and plan.limit is None:
            plan.extra.extend(values)
            return plan
        raise dax_error("ADDCOLUMNS works on a table, VALUES, SUMMARIZE or SUMMARIZECOLUMNS here", node.pos)

    def _fn_filter(self, node: Call) -> Plan:
        check_arity(node, 2, 2)
        plan = self.plan(node.args[0])
        if plan.limit is not None:
            plan = Wrapped(plan)
        if isinstance(plan, Scan):
            plan.filters.append(node.args[1])
        elif isinstance(plan, Group):
            plan.having.append(node.args[1])
        else:
            plan.filters.append(node.args[1])
        return plan

    def _fn_calculatetable(self, node: Call) -> Plan:
        if not node.args:
            raise dax_error("CALCULATETABLE needs a table", node.pos)
        plan = self.plan(node.args[0])
        conditions = [self._filter_argument(f) for f in node.args[1:]]
        target: Plan = plan
        while isinstance(target, Wrapped):
            target = target.inner
        target.filters.extend(conditions)
        return plan

    def _fn_values(self, node: Call) -> Plan:
        check_arity(node, 1, 1)
        argument = node.args[0]
        if isinstance(argument, ColumnRef):
            table, _ = resolve_column(self.schema, argument)
            return Group([argument], driver=table)
        if isinstance(argument, TableRef):
            return Scan(self._table(argument))
        raise dax_error(f"{node.name} takes a model table or a column", node.pos)

    _fn_distinct = _fn_values
    _fn_all = _fn_values

    def _fn_topn(self, node: Call) -> Plan:
        if len(node.args) < 2:
            raise dax_error("TOPN needs a row count and a table", node.pos)
        count = node.args[0]
        if not isinstance(count, Literal) or not isinstance(count.value, int) or count.value < 0:
            raise dax_error("TOPN's first argument must be a whole number", count.pos)
        plan = self.plan(node.args[1])
        if plan.limit is not None:
            plan = Wrapped(plan)
        order: Order = []
        for argument in node.args[2:]:
            if isinstance(argument, Direction):
                if not order:
                    raise dax_error("ASC/DESC must follow an order expression", argument.pos)
                order[-1] = (order[-1][0], argument.descending)
            elif isinstance(argument, Literal) and argument.value in (0, 1):
                if not order:
                    raise dax_error("the order (0 or 1) must follow an order expression", argument.pos)
                order[-1] = (order[-1][0], argument.value == 0)
            else:
                order.append((argument, True))  # TOPN sorts descending unless told otherwise
        plan.order, plan.limit = order, count.value
        return plan

    # -- arguments -----------------------------------------------------------------------------------
    def _arguments(
        self, call: Call, args: tuple[Node, ...], *, allow_filters: bool, allow_keys: bool = True
    ) -> tuple[list[ColumnRef], list[tuple[str, Node]], list[Node]]:
        keys: list[ColumnRef] = []
        values: list[tuple[str, Node]] = []
        filters: list[Node] = []
        items = list(args)
        while items:
            item = items.pop(0)
            name = is_literal_name(item)
            if isinstance(item, ColumnRef) and allow_keys and not values:
                resolve_column(self.schema, item)
                keys.append(item)
            elif name is not None:
                if not items:
                    raise dax_error(f"the column {name!r} needs an expression after it", item.pos)
                if any(existing.lower() == name.lower() for existing, _ in values):
                    raise dax_error(f"the column {name!r} is given twice", item.pos)
                values.append((name, items.pop(0)))
            elif allow_filters and isinstance(item, Call | BinaryOp | InList | Not) and not values:
                filters.append(self._filter_argument(item))
            else:
                raise dax_error(f"unexpected argument to {call.name}", item.pos)
        return keys, values, filters

    def _filter_argument(self, node: Node) -> Node:
        """A filter table (FILTER(Table, condition), KEEPFILTERS(...)) or a condition on columns."""
        if isinstance(node, Call) and node.name == "KEEPFILTERS":
            check_arity(node, 1, 1)
            return self._filter_argument(node.args[0])
        if isinstance(node, Call) and node.name == "FILTER":
            check_arity(node, 2, 2)
            source = node.args[0]
            if isinstance(source, Call) and source.name in {"ALL", "VALUES"} and len(source.args) == 1:
                source = source.args[0]
            if not isinstance(source, TableRef | ColumnRef):
                raise dax_error("a FILTER used as a filter must filter a model table", node.pos)
            return node.args[1]
        if isinstance(node, Call) and node.name not in {"AND", "OR", "NOT", "ISBLANK"}:
            raise dax_error(f"{node.name} is not supported as a filter in this DAX subset", node.pos)
        if not tables_of(node):
            raise dax_error('a filter must test a column, like Customers[Segment] = "SMB"', node.pos)
        return node

    def _table(self, node: TableRef) -> BoundTable:
        table = self.schema.table(node.name)
        if table is None:
            raise dax_error(f"unknown table {node.name!r}", node.pos)
        return table

    # -- rendering -----------------------------------------------------------------------------------
    def _render_scan(self, plan: Scan) -> CompiledQuery:
        rows = RowContext(self.schema, plan.table)
        names: list[str] = []
        projections: list[exp.Expr] = []
        for column in plan.table.columns.values():
            if not column.hidden:
                names.append(f"{plan.table.name}[{column.name}]")
                projections.append(exp.column(column.source, table="t0", quoted=True))
        for name, expr in plan.extra:
            names.append(f"[{name}]")
            projections.append(rows.compile(expr))
        if not projections:
            raise dax_error(f"{plan.table.name} has no visible columns")
        conditions = [rows.compile(f) for f in plan.filters]
        order = [(rows.compile(e), d) for e, d in plan.order]
        select = rows.source().select(*[exp.alias_(p, n, quoted=True) for p, n in zip(projections, names, strict=True)])
        return CompiledQuery(_finish(select, conditions, order, plan.limit), names)

    def _render_group(self, plan: Group) -> CompiledQuery:
        keys: list[tuple[str, BoundTable, str]] = []
        names: list[str] = []
        for ref in plan.keys:
            table, source = resolve_column(self.schema, ref)
            column = table.column(ref.column)
            assert column is not None
            dax = f"{table.name}[{column.name}]"
            if dax.lower() not in {k[0] for k in keys}:
                keys.append((dax.lower(), table, source))
                names.append(dax)
        measures = MeasureContext(self.schema, keys, {n.lower(): e for n, e in plan.values}, self.local)
        outer: list[exp.Expr] = [exp.column(f"k{i}", table="j") for i in range(len(keys))]
        for name, expr in plan.values:
            names.append(f"[{name}]")
            outer.append(measures.compile(expr))
        conditions = [measures.compile(h) for h in plan.having]
        if plan.nonblank and plan.values:
            blanks: list[exp.Expr] = [
                exp.Not(this=exp.Is(this=paren(e.copy()), expression=exp.Null())) for e in outer[len(keys) :]
            ]
            conditions.append(_any(blanks))
        order = [(measures.compile(e), d) for e, d in plan.order]
        joined = self._grouped(plan, keys, measures)
        select = exp.select(*[exp.alias_(e, n, quoted=True) for e, n in zip(outer, names, strict=True)]).from_(
            exp.Subquery(this=joined, alias=exp.TableAlias(this=exp.to_identifier("j")))
        )
        return CompiledQuery(_finish(select, conditions, order, plan.limit), names)

    def _grouped(self, plan: Group, keys: list[tuple[str, BoundTable, str]], measures: MeasureContext) -> exp.Select:
        """One grouped subquery per base table (its aggregations), joined on the grouped columns."""
        bases: dict[str, list[int]] = {}
        if plan.driver is not None:
            bases[plan.driver.name.lower()] = []
        for index, slot in enumerate(measures.slots):
            bases.setdefault(slot.table.name.lower(), []).append(index)
        if not bases:
            bases[self._base_for(plan, keys).name.lower()] = []
        parts: list[exp.Select] = []
        for position, (base, slot_indexes) in enumerate(bases.items()):
            rows = RowContext(self.schema, self.schema.tables[base], prefix=f"s{position}t")
            columns: list[exp.Expr] = []
            for index, (dax, table, _) in enumerate(keys):
                ref = ColumnRef((1, 1), table.name, dax[len(table.name) + 1 : -1])
                columns.append(exp.alias_(rows.compile(ref), f"k{index}"))
            for index in slot_indexes:
                slot = measures.slots[index]
                columns.append(exp.alias_(slot.render(rows), slot.name))
            if not columns:
                columns.append(exp.alias_(exp.Literal.number(1), "one"))
            conditions = [rows.compile(f) for f in plan.filters if all(rows.reaches(t) for t in tables_of(f))]
            select = rows.source().select(*columns)
            if conditions:
                select = select.where(_all(conditions))
            if keys:
                select = select.group_by(*[exp.column(f"k{i}") for i in range(len(keys))])
            parts.append(select)
        return _join(parts, len(keys), measures, left=plan.driver is not None)

    def _base_for(self, plan: Group, keys: list[tuple[str, BoundTable, str]]) -> BoundTable:
        candidates = [k[1] for k in keys] + list(self.schema.tables.values())
        for candidate in candidates:
            if all(self.schema.path(candidate.name, k[1].name) is not None for k in keys):
                return candidate
        names = ", ".join(sorted({k[1].name for k in keys}))
        raise dax_error(f"the grouped columns come from tables that are not related ({names})")

    def _render_wrapped(self, plan: Wrapped) -> CompiledQuery:
        inner = self.render(plan.inner)
        context = OutputContext(inner.columns)
        conditions = [context.compile(f) for f in plan.filters]
        order = [(context.compile(e), d) for e, d in plan.order]
        select = exp.select(*[exp.column(n, table="w", quoted=True) for n in inner.columns]).from_(
            exp.Subquery(this=inner.select, alias=exp.TableAlias(this=exp.to_identifier("w")))
        )
        return CompiledQuery(_finish(select, conditions, order, plan.limit), inner.columns)


class OutputContext(Scalar):
    """Expressions over a finished result: `Customers[Segment]` and `[Total]` name its columns."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = {c.lower(): c for c in columns}

    def _named(self, name: str, pos: tuple[int, int]) -> exp.Expr:
        found = self.columns.get(name.lower())
        if found is None:
            raise dax_error(f"{name} is not a column of this table; add it with ADDCOLUMNS first", pos)
        return exp.column(found, table="w", quoted=True)

    def column(self, node: ColumnRef) -> exp.Expr:
        return self._named(node.dax, node.pos)

    def measure(self, node: MeasureRef) -> exp.Expr:
        return self._named(f"[{node.name}]", node.pos)


def _unlimited(plan: Plan) -> Plan:
    return Wrapped(plan) if plan.limit is not None else plan


def _all(conditions: list[exp.Expr]) -> exp.Expr:
    result = paren(conditions[0])
    for more in conditions[1:]:
        result = exp.And(this=result, expression=paren(more))
    return result


def _any(conditions: list[exp.Expr]) -> exp.Expr:
    result = paren(conditions[0])
    for more in conditions[1:]:
        result = exp.Or(this=result, expression=paren(more))
    return exp.Paren(this=result)


def _finish(
    select: exp.Select, conditions: list[exp.Expr], order: list[tuple[exp.Expr, bool]], limit: int | None
) -> exp.Select:
    if conditions:
        select = select.where(_all(conditions))
    if order:
        select = select.order_by(*[exp.Ordered(this=e, desc=d, nulls_first=not d) for e, d in order])
    if limit is not None:
        select = select.limit(limit)
    return select


def _join(parts: list[exp.Select], key_count: int, measures: MeasureContext, *, left: bool) -> exp.Select:
    """Join the per-base subqueries on their keys (NULL-safe); keys come from whichever side has them."""
    if len(parts) == 1:
        return parts[0]
    aliases = [f"s{i}" for i in range(len(parts))]
    columns: list[exp.Expr] = []
    for k in range(key_count):
        sides = [exp.column(f"k{k}", table=a) for a in aliases]
        columns.append(exp.alias_(sides[0] if left else exp.Coalesce(this=sides[0], expressions=sides[1:]), f"k{k}"))
    owners = _slot_owners(measures, parts)
    for slot in measures.slots:
        columns.append(exp.alias_(exp.column(slot.name, table=owners[slot.name]), slot.name))
    select = exp.select(*columns).from_(exp.Subquery(this=parts[0], alias=exp.TableAlias(this=exp.to_identifier("s0"))))
    for position in range(1, len(parts)):
        alias = aliases[position]
        if key_count:
            condition = _all(
                [
                    exp.NullSafeEQ(
                        this=(exp.column(f"k{k}", table="s0") if left else _coalesced(k, aliases[:position])),
                        expression=exp.column(f"k{k}", table=alias),
                    )
                    for k in range(key_count)
                ]
            )
            join = exp.Join(
                this=exp.Subquery(this=parts[position], alias=exp.TableAlias(this=exp.to_identifier(alias))),
                on=condition,
                side="LEFT" if left else "FULL",
            )
        else:
            join = exp.Join(
                this=exp.Subquery(this=parts[position], alias=exp.TableAlias(this=exp.to_identifier(alias))),
                kind="CROSS",
            )
        select = select.join(join)
    return select


def _coalesced(key: int, aliases: list[str]) -> exp.Expr:
    sides = [exp.column(f"k{key}", table=a) for a in aliases]
    return sides[0] if len(sides) == 1 else exp.Coalesce(this=sides[0], expressions=sides[1:])


def _slot_owners(measures: MeasureContext, parts: list[exp.Select]) -> dict[str, str]:
    names = {slot.name for slot in measures.slots}
    owners: dict[str, str] = {}
    for position, part in enumerate(parts):
        for projection in part.expressions:
            if projection.alias_or_name in names:
                owners[projection.alias_or_name] = f"s{position}"
    return owners
