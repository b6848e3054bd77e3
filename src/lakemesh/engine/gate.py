"""The one gate for user SQL: a single read query over tables the caller may read, rewritten for DuckDB.

The user's text is parsed once with sqlglot and only the rewritten AST is ever rendered, so no user
text is formatted into SQL. Every table reference goes through the caller's `resolve` callback (which
checks access), and every CTE is renamed, so the rendered query can name no relation the gate did not
put there itself.

A bound parameter (`$n`, from the SQL endpoint's prepared statements) reaches DuckDB as a value, never as text,
so the same statement gates once: its checked, rewritten SQL is kept per text and resolved relations
(`GateMemo`), and every later run still resolves (and so checks access to) each table again.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, SqlglotError
from sqlglot.optimizer.scope import Scope, traverse_scope

from lakemesh.engine.functions import QUERY_FUNCTIONS, function_name, refuse

LOC = ("sql",)
DIALECT = "duckdb"
MAX_SQL_LENGTH = 100_000
CTE_PREFIX = "lakemesh_cte_"
KEPT_SQL_LENGTH = 20_000  # longer texts (generated, rarely repeated) are gated anew each time
KEPT_PER_TEXT = 8  # relation numberings kept per text
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# Statements and clauses that write, configure, load or describe instead of reading.
_REFUSED_NODES: tuple[type[exp.Expr], ...] = (
    exp.DDL,
    exp.DML,
    exp.Drop,
    exp.Alter,
    exp.Command,
    exp.Pragma,
    exp.Set,
    exp.Attach,
    exp.Detach,
    exp.Install,
    exp.Use,
    exp.Describe,
    exp.Summarize,
    exp.Transaction,
    exp.Into,
)


@dataclass(frozen=True)
class TableName:
    """A table as the user named it: `table`, `lakehouse.table` or `domain.lakehouse.table`."""

    parts: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.parts[-1]

    def __str__(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True)
class EngineLimits:
    """Bounds on one governed query; `max_rows` wraps the query in a LIMIT."""

    max_rows: int | None = None
    max_sql_length: int = MAX_SQL_LENGTH


@dataclass(frozen=True)
class GatedQuery:
    """A query that passed the gate: DuckDB SQL naming only resolved relations."""

    sql: str
    tables: tuple[str, ...]
    parameters: tuple[object, ...] = ()
    # The rewritten statement before the row-limit wrapper, for answers that need no scan (never rendered again).
    statement: exp.Expr | None = field(default=None, compare=False, repr=False)
    max_rows: int | None = None

    def replaced(self, statement: exp.Expr) -> GatedQuery:
        """The same gated query with `statement` (an engine rewrite of this one's) in its place, same row limit."""
        return GatedQuery(
            sql=_limited(statement.copy(), self.max_rows).sql(dialect=DIALECT),
            tables=self.tables,
            parameters=self.parameters,
            statement=statement,
            max_rows=self.max_rows,
        )


Resolver = Callable[[TableName], str]


def gate_query(
    sql: str, resolve: Resolver, *, limits: EngineLimits | None = None, parameters: Sequence[object] = ()
) -> GatedQuery:
    """Check `sql` is a single read query, resolve its tables, and return the DuckDB SQL to run.

    `resolve` returns the internal relation name for a table, or raises NotFound/Forbidden, which
    propagate unchanged. `parameters`: the values of `$1`..`$n` in `sql` (none: parameters are refused).
    """
    return _MEMO.gate(sql, resolve, limits or EngineLimits(), parameters)


def _gate(sql: str, resolve: Resolver, limits: EngineLimits, count: int) -> tuple[GatedQuery, tuple[int, ...]]:
    """The gated query, and which bound parameter each of its `$k` takes (`$k` is value `order[k - 1]`)."""
    query = parse_query(sql, max_length=limits.max_sql_length)
    _refuse_non_reads(query, count)
    _check_sources(query)
    _check_functions(query)
    order = _number_parameters(query)
    tables = _rewrite_tables(query, resolve)
    statement = query
    if limits.max_rows is not None and limits.max_rows < 0:
        raise refuse(LOC, "the row limit must not be negative")
    limited = _limited(query, limits.max_rows)
    gated = GatedQuery(sql=limited.sql(dialect=DIALECT), tables=tables, statement=statement, max_rows=limits.max_rows)
    return gated, order


@dataclass
class _Kept:
    tables: tuple[TableName, ...]  # every table reference, in the order the gate resolves them
    order: tuple[int, ...]
    gated: dict[tuple[str, ...], GatedQuery] = field(default_factory=dict)  # by the relations resolved


class GateMemo:
    """Gated queries kept per (text, limits, parameter count): a statement run again is resolved again, table by
    table, and only parsing, checking and rendering are skipped. Refusals are never kept."""

    def __init__(self, size: int = 512) -> None:
        self._kept: OrderedDict[tuple[str, EngineLimits, int], _Kept] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def gate(self, sql: str, resolve: Resolver, limits: EngineLimits, parameters: Sequence[object]) -> GatedQuery:
        key = (sql, limits, len(parameters))
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
        gated = None if kept is None else kept.gated.get(tuple(resolve(table) for table in kept.tables))
        if gated is None or kept is None:
            gated, kept = self._gate_anew(key, resolve)
        return replace(gated, parameters=tuple(parameters[i - 1] for i in kept.order))

    def _gate_anew(self, key: tuple[str, EngineLimits, int], resolve: Resolver) -> tuple[GatedQuery, _Kept]:
        sql, limits, count = key
        tables: list[TableName] = []
        relations: list[str] = []

        def recording(table: TableName) -> str:
            relations.append(resolve(table))
            tables.append(table)
            return relations[-1]

        gated, order = _gate(sql, recording, limits, count)
        kept = _Kept(tuple(tables), order)
        if len(sql) > KEPT_SQL_LENGTH:
            return gated, kept
        with self._lock:
            known = self._kept.get(key)
            if known is not None and known.tables == kept.tables and len(known.gated) < KEPT_PER_TEXT:
                kept = known
            kept.gated[tuple(relations)] = gated
            self._kept[key] = kept
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
        return gated, kept


_MEMO = GateMemo()


def _limited(query: exp.Expr, max_rows: int | None) -> exp.Expr:
    if max_rows is None:
        return query
    wrapped = exp.select("*").from_(exp.Subquery(this=query, alias=exp.TableAlias(this=exp.to_identifier("q"))))
    return wrapped.limit(max_rows)


def parse_query(sql: str, *, max_length: int = MAX_SQL_LENGTH) -> exp.Query | exp.Values:
    """Parse exactly one read statement; anything else is refused with the construct named."""
    if len(sql) > max_length:
        raise refuse(LOC, f"the query is longer than {max_length} characters")
    try:
        statements = [s for s in sqlglot.parse(sql, read=DIALECT) if s is not None]
    except SqlglotError as exc:
        raise refuse(LOC, f"not valid SQL: {_first_line(str(exc))}") from exc
    except RecursionError as exc:
        raise refuse(LOC, "the query is nested too deeply") from exc
    if not statements:
        raise refuse(LOC, "the query is empty")
    if len(statements) > 1:
        raise refuse(LOC, f"only one statement is allowed; found {len(statements)}")
    statement = statements[0]
    while isinstance(statement, exp.Subquery) and isinstance(statement.this, exp.Query):
        statement = statement.this
    if not isinstance(statement, exp.Query | exp.Values):
        raise refuse(LOC, f"{statement_kind(statement)} is not allowed; only a read query (SELECT, WITH, VALUES) is")
    return statement


def statement_kind(node: exp.Expr) -> str:
    """`CREATE`, `COPY`, `LOAD`...: how the user would name what they wrote."""
    if isinstance(node, exp.Command):
        return str(node.this).upper()
    return type(node).__name__.upper()


def _refuse_non_reads(query: exp.Expr, parameters: int) -> None:
    for node in query.walk():
        if isinstance(node, _REFUSED_NODES):
            raise refuse(LOC, f"{statement_kind(node)} is not allowed inside a query")
        if isinstance(node, exp.Placeholder | exp.Parameter):
            _check_parameter(node, parameters)
        if isinstance(node, exp.Table) and node.args.get("when") is not None:
            raise refuse(LOC, f"time travel on {node.sql(dialect=DIALECT)} is not supported in queries")


def _check_parameter(node: exp.Expr, parameters: int) -> None:
    if not parameters:
        raise refuse(LOC, "query parameters are not supported; write the value in the query")
    number = _parameter_number(node)
    if number is None or not 1 <= number <= parameters:
        raise refuse(LOC, f"the query uses {node.sql(dialect=DIALECT)} but {parameters} parameters were given")


def _parameter_number(node: exp.Expr) -> int | None:
    """n of a `$n` (DuckDB's dialect reads it as a Placeholder); None for `?`, `$name` and other parameters."""
    text = node.this if isinstance(node, exp.Placeholder) else None
    return int(text) if isinstance(text, str) and text.isdigit() else None


def _number_parameters(query: exp.Expr) -> tuple[int, ...]:
    """Number the parameters `$1..$k` in order of first use (DuckDB wants each value used): which value each takes."""
    order: list[int] = []
    for node in query.find_all(exp.Placeholder):
        number = _parameter_number(node)
        if number is None:
            continue
        if number not in order:
            order.append(number)
        node.set("this", str(order.index(number) + 1))
    return tuple(order)


def _check_sources(query: exp.Expr) -> None:
    """FROM and JOIN may name tables, subqueries and VALUES; never functions or files."""
    for clause in query.find_all(exp.From, exp.Join):
        source = clause.this
        if isinstance(source, exp.Lateral):
            source = source.this
        if isinstance(source, exp.Table):
            _check_table(source)
        elif isinstance(source, exp.Func | exp.Unnest):
            raise refuse(LOC, f"table function {_source_name(source)}() is not allowed")
        elif not isinstance(source, exp.Subquery | exp.Values):
            raise refuse(LOC, f"{type(source).__name__.upper()} is not allowed in FROM")


def _check_table(table: exp.Table) -> None:
    if isinstance(table.this, exp.Dot) or len(table.parts) > 3:
        raise refuse(LOC, f"{table.sql(dialect=DIALECT)} has too many parts; write domain.lakehouse.table")
    if not isinstance(table.this, exp.Identifier):
        raise refuse(LOC, f"table function {_source_name(table.this)}() is not allowed")
    for part in table.parts:
        if not isinstance(part, exp.Identifier) or not _IDENTIFIER.match(part.name):
            raise refuse(
                LOC, f"{part.name!r} is not a table name; only tables of the mesh can be read, not files or URLs"
            )


def _source_name(node: exp.Expr) -> str:
    if isinstance(node, exp.Func):
        return function_name(node)
    return type(node).__name__.lower()


def _check_functions(query: exp.Expr) -> None:
    for node in query.find_all(exp.Func):
        if not QUERY_FUNCTIONS.allows(node):
            raise refuse(LOC, f"function {function_name(node)}() is not allowed")


def _rewrite_tables(query: exp.Expr, resolve: Resolver) -> tuple[str, ...]:
    """Replace every table with its resolved relation and every CTE with a gate-chosen name."""
    try:
        scopes = list(traverse_scope(query))
    except (OptimizeError, RecursionError) as exc:
        raise refuse(LOC, f"the query's structure could not be analysed: {_first_line(str(exc))}") from exc
    cte_names: dict[int, str] = {}
    replacements: list[tuple[exp.Table, exp.Table]] = []
    resolved: list[str] = []
    for scope in scopes:
        for table in scope.tables:
            cte = _cte_for(scope, table)
            if cte is not None:
                name = cte_names.setdefault(id(cte), f"{CTE_PREFIX}{len(cte_names)}")
            else:
                name = resolve(TableName(tuple(part.name for part in table.parts)))
                resolved.append(name)
            replacements.append((table, _relation(name, table)))
    for cte in query.find_all(exp.CTE):
        alias = cte.args.get("alias")
        new_name = cte_names.setdefault(id(cte), f"{CTE_PREFIX}{len(cte_names)}")
        if isinstance(alias, exp.TableAlias):
            alias.set("this", exp.to_identifier(new_name, quoted=True))
    for old, new in replacements:
        old.replace(new)
    placed = {id(new) for _, new in replacements}
    for table in query.find_all(exp.Table):
        if id(table) not in placed:
            raise refuse(LOC, f"table {table.sql(dialect=DIALECT)} could not be resolved")
    for column in query.find_all(exp.Column):
        # `domain.lakehouse.table.column` now refers to the table's alias, which is the table name.
        column.set("db", None)
        column.set("catalog", None)
    return tuple(dict.fromkeys(resolved))


def _cte_for(scope: Scope, table: exp.Table) -> exp.CTE | None:
    if table.args.get("db") is not None:
        return None
    wanted = table.name.lower()
    for name, source in scope.cte_sources.items():
        if name.lower() == wanted and isinstance(source, Scope):
            # A recursive CTE's own scope is one branch of its UNION, so look up to the CTE node.
            cte = source.expression.find_ancestor(exp.CTE)
            if isinstance(cte, exp.CTE):
                return cte
    return None


def _relation(name: str, original: exp.Table) -> exp.Table:
    alias = original.args.get("alias")
    if not isinstance(alias, exp.TableAlias):
        alias = exp.TableAlias(this=exp.to_identifier(original.name, quoted=True))
    return exp.Table(this=exp.to_identifier(name, quoted=True), alias=alias.copy())


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "parse error"
