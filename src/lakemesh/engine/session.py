"""An in-memory DuckDB connection that can read only the Arrow data the platform registers.

The connection is locked down before anything is registered: no file system, network or extension
access, no Python-variable replacement scans, UTC clock, and a locked configuration so no query can
turn any of it back on. The only files it may read are the Parquet files named when it is created
(`readable_files`: the snapshots of the tables one query reads), through `register_parquet`.
Registering Arrow tables, readers and datasets keeps working after lockdown
(checked on DuckDB 2.0; see tests/unit/engine/test_session.py), so there is no unlocked window.
A session is not thread-safe: use one per request or per job.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import TYPE_CHECKING, Protocol, TypeAlias

import duckdb
import pyarrow as pa
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from lakemesh.core.errors import Forbidden, LakemeshError, ServiceUnavailable
from lakemesh.engine.functions import COLUMN_MASK_FUNCTIONS, refuse
from lakemesh.engine.parquet import PartitionFiles, duckdb_type, scan_source
from lakemesh.engine.scalar import check_row_expression

if TYPE_CHECKING:
    import pyarrow.dataset as pads

# pyarrow.dataset imports pandas (~0.3 s): loaded on first use, not at server start.
ArrowSource: TypeAlias = "pa.Table | pa.RecordBatchReader | pads.Dataset"
log = logging.getLogger(__name__)
DIALECT = "duckdb"
SOURCE_SUFFIX = "__source"
_RELATION = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


class SqlStatement(Protocol):
    """What a session runs: SQL the engine produced (a GatedQuery or a ScanPlan), never raw user text."""

    @property
    def sql(self) -> str: ...

    @property
    def parameters(self) -> Sequence[object]: ...


@dataclass(frozen=True)
class MaskedGrouping:
    """A masked relation pre-aggregated by its clear `keys` (see lakemesh.access.masked_groups).

    The view has one row per distinct clear key tuple: each key masked, and per `partials` entry
    (output name, count|sum|min|max, column or None for count(*)) that aggregate of the column's masked value,
    over the rows `where` (SQL over clear columns only, or None) keeps. No clear value leaves the view.
    """

    keys: tuple[str, ...]
    partials: tuple[tuple[str, str, str | None], ...]
    where: str | None = None


class EngineSession:
    """DuckDB over registered Arrow sources, with external access disabled and configuration locked."""

    def __init__(
        self,
        *,
        memory_limit: str = "1GB",
        threads: int = 2,
        readable_files: Sequence[str] = (),
        connection: duckdb.DuckDBPyConnection | None = None,
        on_close: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
        spill_directory: str | None = None,
        locked: bool = False,
        views: Mapping[str, str] | None = None,
    ) -> None:
        """`connection`: a fresh one from `open_connection` (a SessionPool's spare); `on_close` disposes of it.

        `locked`: `connection` is a cursor of a database `lock_down` already locked (a SessionPool's shared one).
        `views`: the Parquet views `connection` already holds (name -> the statement that made each), from an
        earlier session on it (see `reusable_views`): one asked for again with the same statement is not remade.
        """
        self._connection = connection or open_connection(
            memory_limit=memory_limit, threads=threads, spill_directory=spill_directory
        )
        self._on_close = on_close
        if not locked:
            lock_down(self._connection, readable_files)
        self._relations: set[str] = set()
        self._views: set[str] = set()
        self._inherited: dict[str, str] = dict(views or {})
        self._made: dict[str, str] = {}  # Parquet views of this session: name -> CREATE statement
        self._reusable = True  # no Arrow source registered, no query failed or interrupted
        self._lock = threading.Lock()
        self._closed = False

    def register(self, name: str, source: ArrowSource, *, columns: Mapping[str, str] | None = None) -> None:
        """Expose `source` as relation `name`; with `columns`, as a view of exactly those output columns.

        `columns` maps each output column to a SQL expression over the source row, e.g.
        `{"customer_id": "customer_id", "email": "'***'"}`: columns left out are not visible at all.
        A RecordBatchReader is read into memory, because DuckDB can scan a reader only once and a scan
        may read its relation twice (counts, then failing samples); pass a Dataset for large tables.
        """
        _check_relation_name(name)
        self.unregister(name)
        if isinstance(source, pa.RecordBatchReader):
            source = source.read_all()
        import pyarrow.dataset as pads

        if not isinstance(source, pa.Table | pads.Dataset):
            raise refuse(("source",), f"cannot register a {type(source).__name__}; pass an Arrow table or dataset")
        self._reusable = False
        self._drop_inherited()
        if columns is None:
            self._connection.register(name, source)
        else:
            raw = f"{name}{SOURCE_SUFFIX}"
            view = _masked_view(raw, columns)
            self._connection.register(raw, source)
            create = f"CREATE OR REPLACE TEMP VIEW {_table(name).sql(dialect=DIALECT)} AS {view.sql(dialect=DIALECT)}"
            self._connection.execute(create)
        self._relations.add(name)

    def register_parquet(
        self,
        name: str,
        files: Sequence[str],
        schema: pa.Schema | None,
        *,
        columns: Mapping[str, str] | None = None,
        partitions: Sequence[PartitionFiles] = (),
        grouping: MaskedGrouping | None = None,
    ) -> None:
        """Expose Parquet `files` (named in `readable_files`) as relation `name` with exactly `schema`'s columns.

        Read by DuckDB's own Parquet reader, so projections, filters and file statistics are pushed down;
        `union_by_name` reads files written before a column was added as NULL in it, as Delta does.
        `columns` masks as in `register`; the view reads the files itself, so no unmasked relation exists.
        `partitions` (a partitioned table's files grouped by partition, with the log's values) replace `files`.
        `schema` None: every column the files have. `grouping` (with `columns`): the relation is that grouping.
        """
        _check_relation_name(name)
        if not files:
            raise refuse(("files",), "a Parquet relation needs at least one file")
        types: dict[str, str] = {}
        for column, _ in (value for partition in partitions for value in partition.values):
            kind = duckdb_type(schema.field(column).type) if schema is not None else None
            if kind is None:
                raise refuse(("partitions", column), "not a partition column type read natively")
            types[column] = kind
        scan = scan_source(files, partitions, types)
        if columns is None and schema is not None:
            columns = _plain_columns(tuple(schema.names))
        projections = "*" if columns is None else _select_list(tuple(columns.items()))
        if not projections:
            raise refuse(("columns",), "a masked relation needs at least one column")
        body = f"SELECT {projections} FROM {scan} AS s"
        if grouping is not None:
            body = _grouped_body(scan, columns or {}, grouping)
        view = f"CREATE OR REPLACE TEMP VIEW {_table(name).sql(dialect=DIALECT)} AS {body}"
        if self._inherited.pop(name, None) == view:  # the same files, columns and masks: the view is there
            self._views.add(name)
            self._relations.add(name)
            self._made[name] = view
            return
        if name in self._relations:
            self.unregister(name)
        try:
            self._connection.execute(view)
        except duckdb.PermissionException as exc:  # not one of the files this session may read
            self._reusable = False
            raise query_error(exc) from exc
        except duckdb.Error as exc:  # a file vacuumed since the snapshot was read, or not Parquet: no paths shown
            self._reusable = False
            log.warning("cannot read the data files of %s: %s", name, exc)
            raise LakemeshError(f"the table's data files cannot be read ({type(exc).__name__})") from exc
        self._views.add(name)
        self._relations.add(name)
        self._made[name] = view

    def _drop_inherited(self) -> None:
        """Drop the views inherited from an earlier session that this one did not register again: before anything
        runs, so a query sees only the relations of its own session."""
        for name in list(self._inherited):
            drop = exp.Drop(tables=[_table(name)], kind="VIEW", exists=True).sql(dialect=DIALECT)
            self._connection.execute(drop)
            del self._inherited[name]

    def reusable_views(self) -> dict[str, str] | None:
        """The Parquet views this session made or reused, for the next session on its connection; None when the
        connection must not be reused (an Arrow source was registered, a query failed or was interrupted)."""
        return dict(self._made) if self._reusable else None

    def unregister(self, name: str) -> None:
        self._made.pop(name, None)
        if name not in self._relations:
            return
        raw = f"{name}{SOURCE_SUFFIX}"
        drop = exp.Drop(tables=[_table(name)], kind="VIEW", exists=True).sql(dialect=DIALECT)
        self._connection.execute(drop)
        if raw in self._views:
            self._connection.execute(exp.Drop(tables=[_table(raw)], kind="VIEW", exists=True).sql(dialect=DIALECT))
        if name not in self._views:
            self._connection.unregister(name)
            self._connection.unregister(raw)
        self._views.difference_update({name, raw})
        self._relations.discard(name)

    @property
    def relations(self) -> frozenset[str]:
        return frozenset(self._relations)

    def schema(self, relation: str) -> pa.Schema:
        """The columns a relation exposes (after masking), without reading its rows."""
        _check_relation_name(relation)
        query = exp.select("*").from_(_table(relation)).limit(0)
        return self._run(query.sql(dialect=DIALECT), ()).schema

    def execute(self, statement: SqlStatement) -> pa.Table:
        """Run SQL the engine produced and return the result as an Arrow table."""
        return self._run(statement.sql, statement.parameters)

    def interrupt(self) -> None:
        """Stop the running query from another thread (for timeouts); it fails with ServiceUnavailable.

        Once the session is closed this does nothing: its connection may be serving the next session already."""
        with self._lock:
            if self._closed:
                return
            self._reusable = False
            self._connection.interrupt()

    def close(self) -> None:
        with self._lock:
            self._closed = True
        if self._on_close is None:
            self._connection.close()
            return
        self._on_close(self._connection)
        self._on_close = None

    def __enter__(self) -> EngineSession:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def _run(self, sql: str, parameters: Sequence[object]) -> pa.Table:
        try:
            self._drop_inherited()
            relation = self._connection.sql(sql, params=list(parameters) or None)
            return relation.to_arrow_table()
        except duckdb.Error as exc:
            self._reusable = False
            raise query_error(exc) from exc


def open_connection(
    *, memory_limit: str, threads: int, spill_directory: str | None = None
) -> duckdb.DuckDBPyConnection:
    """A new in-memory database, not locked yet: EngineSession locks it before anything is registered or run.

    External access stays on only until EngineSession has set `allowed_paths` and the spill directory (DuckDB
    refuses to set either after); `spill_directory` is where a query past `memory_limit` spills instead of failing.
    """
    if threads < 1:
        raise refuse(("threads",), "must be at least 1")
    try:
        connection = duckdb.connect(
            ":memory:",
            config={
                "memory_limit": memory_limit,
                "threads": threads,
                "python_enable_replacements": False,
                "autoinstall_known_extensions": False,
                "autoload_known_extensions": False,
                "allow_community_extensions": False,
            },
        )
    except duckdb.Error as exc:
        raise refuse(("memory_limit",), f"{memory_limit!r} is not a memory size; write it like 2GB") from exc
    if spill_directory is not None:
        Path(spill_directory).mkdir(parents=True, exist_ok=True)  # DuckDB creates only the last level
        connection.execute("SET temp_directory = " + _literal(spill_directory))
    connection.execute("SET TimeZone = 'UTC'")
    # Footers are read when a view is bound and again by the query: read them once (this database only).
    connection.execute("SET parquet_metadata_cache = true")
    return connection


def lock_down(connection: duckdb.DuckDBPyConnection, readable_files: Sequence[str]) -> None:
    """Allow exactly `readable_files`, switch external access off and lock the configuration, for good."""
    if readable_files:
        allowed = exp.Array(expressions=[exp.Literal.string(path) for path in readable_files])
        connection.execute(f"SET allowed_paths = {allowed.sql(dialect=DIALECT)}")
    connection.execute("SET enable_external_access = false")
    connection.execute("SET lock_configuration = true")


def query_error(exc: duckdb.Error) -> LakemeshError:
    """Map DuckDB's errors to ones a user can act on; unexpected engine failures stay unmapped."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, duckdb.PermissionException):
        return Forbidden("the query tried to reach files, the network or settings, which the engine does not allow")
    if isinstance(exc, duckdb.OutOfMemoryException):
        return refuse(("sql",), f"the query needs more memory than the engine may use: {message}")
    if isinstance(exc, duckdb.InterruptException):
        return ServiceUnavailable("the query was interrupted (time limit reached?)")
    if isinstance(exc, duckdb.ProgrammingError | duckdb.DataError | duckdb.NotSupportedError):
        return refuse(("sql",), message)
    return LakemeshError(f"the query engine failed: {message}")


@functools.lru_cache(maxsize=256)
def _plain_columns(names: tuple[str, ...]) -> Mapping[str, str]:
    """Each column as itself (an unmasked relation); kept, as every query on a table asks again."""
    return MappingProxyType({name: exp.column(name, quoted=True).sql(dialect=DIALECT) for name in names})


@functools.lru_cache(maxsize=1024)
def _select_list(columns: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(_projection(output, expression) for output, expression in columns)


def _projection(output: str, expression: str) -> str:
    """`<checked expression> AS "<output>"`, the expression checked like a row rule (cached: masks repeat)."""
    return f"{_checked_expression(expression, output)} AS {exp.to_identifier(output, quoted=True).sql(dialect=DIALECT)}"


@functools.lru_cache(maxsize=4096)
def _checked_expression(expression: str, output: str) -> str:
    loc: tuple[str | int, ...] = ("columns", output)
    try:
        parsed = sqlglot.parse_one(expression, read=DIALECT)
    except SqlglotError as exc:
        raise refuse(loc, f"not a valid column expression: {expression!r}") from exc
    check_row_expression(parsed, loc, what="a column expression", functions=COLUMN_MASK_FUNCTIONS)
    return parsed.sql(dialect=DIALECT)


def _grouped_body(scan: str, columns: Mapping[str, str], grouping: MaskedGrouping) -> str:
    """Group the scan by the clear keys, aggregate masked values, then mask the keys (one row per clear key)."""
    if not grouping.keys or any(key not in columns for key in grouping.keys):
        raise refuse(("grouping",), "a grouping needs keys among the relation's columns")
    clear = [_quoted(key) for key in grouping.keys]
    inner = list(clear)
    for output, function, column in grouping.partials:
        if function not in ("count", "sum", "min", "max") or (column is None and function != "count"):
            raise refuse(("grouping", output), f"{function} is not a partial aggregate the engine combines")
        argument = "*" if column is None else _checked_expression(columns[column], column)
        inner.append(f"{function}({argument}) AS {_quoted(output)}")
    where = ""
    if grouping.where is not None:
        where = f" WHERE {_checked_expression(grouping.where, 'where')}"
    masked = [_projection(key, columns[key]) for key in grouping.keys]
    partials = [_quoted(output) for output, _, _ in grouping.partials]
    return (
        f"SELECT {', '.join(masked + partials)} FROM (SELECT {', '.join(inner)} FROM {scan} AS s{where} "
        f"GROUP BY {', '.join(clear)}) AS g"
    )


def _quoted(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql(dialect=DIALECT)


def _masked_view(raw: str, columns: Mapping[str, str]) -> exp.Select:
    if not columns:
        raise refuse(("columns",), "a masked relation needs at least one column")
    projections: list[exp.Expr] = []
    for output, expression in columns.items():
        loc: tuple[str | int, ...] = ("columns", output)
        try:
            parsed = sqlglot.parse_one(expression, read=DIALECT)
        except SqlglotError as exc:
            raise refuse(loc, f"not a valid column expression: {expression!r}") from exc
        check_row_expression(parsed, loc, what="a column expression", functions=COLUMN_MASK_FUNCTIONS)
        projections.append(exp.alias_(parsed, output, quoted=True))
    return exp.select(*projections).from_(_table(raw))


def _check_relation_name(name: str) -> None:
    if not _RELATION.match(name) or name.endswith(SOURCE_SUFFIX):
        raise refuse(("relation",), f"{name!r} is not a relation name the engine accepts")


def _table(name: str) -> exp.Table:
    return exp.Table(this=exp.to_identifier(name, quoted=True))


def _literal(text: str) -> str:
    """A SQL string literal (SET takes no parameters); the text is an operator's setting, not user input."""
    return "'" + text.replace("'", "''") + "'"
