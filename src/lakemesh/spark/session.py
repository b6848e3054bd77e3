"""`SparkSession` over governed tables: sqlframe builds the SQL, Lakemesh's governed SQL path runs all of it."""

from __future__ import annotations

import os
from functools import cached_property
from typing import Any

import duckdb
import pyarrow as pa
import sqlglot
from sqlframe.duckdb import DuckDBSession
from sqlframe.duckdb.readwriter import DuckDBDataFrameReader, DuckDBDataFrameWriter
from sqlglot import exp

from lakemesh.connection import connect_from_env
from lakemesh.core.errors import InvalidInput, NotFound
from lakemesh.spark.governed import GovernedCursor, GovernedMesh, duckdb_types
from lakemesh.spark.names import TableRef, resolve_name
from lakemesh.spark.scope import default_domain, default_lakehouse


class GovernedReader(DuckDBDataFrameReader):
    """`spark.read.table(name)`: checked (gate, grant) and typed up front, scanned only when an action runs."""

    def table(self, tableName: str) -> Any:
        session: SparkSession = self.session  # type: ignore[assignment]
        return session._table_frame(session.resolve(tableName))

    def load(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            "lakemesh.spark reads governed tables only (spark.read.table or spark.sql); DataFrameReader.load and "
            "file reads (csv, json, parquet) are not supported: upload the file to a lakehouse table first"
        )


class GovernedWriter(DuckDBDataFrameWriter):
    """`df.write.mode(...).saveAsTable(name)`: a Lakemesh table write (contract, layers, history, events)."""

    def saveAsTable(self, name: str, format: str | None = None, mode: str | None = None) -> Any:
        if format not in (None, "delta"):
            raise NotImplementedError(f"saveAsTable(format={format!r}): Lakemesh tables are Delta tables")
        session: SparkSession = self._session  # type: ignore[assignment]
        wanted = (mode or self._mode or "errorifexists").lower()
        ref = session.resolve(name)
        if wanted in ("error", "errorifexists", "ignore") and session.table_exists(ref):
            if wanted == "ignore":
                return self
            raise InvalidInput(f"table {name!r} already exists; use mode('append') or mode('overwrite')")
        if wanted not in ("append", "overwrite", "error", "errorifexists", "ignore"):
            raise InvalidInput(f"save mode {wanted!r} is not one of append, overwrite, error, ignore")
        session.write(ref, self._df.toArrow(), "overwrite" if wanted == "overwrite" else "append")
        return self

    def insertInto(self, tableName: str, overwrite: bool | None = None) -> Any:
        return self.saveAsTable(tableName, mode="overwrite" if overwrite else "append")

    def save(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("DataFrameWriter.save (file writes): write with saveAsTable to a lakehouse table")

    def _write(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("DataFrameWriter file writes (csv, json, parquet): use saveAsTable")


class SparkSession(DuckDBSession):
    """Acts as one Lakemesh principal; nothing is stored or scanned locally, so no read can bypass governance."""

    _reader = GovernedReader
    _writer = GovernedWriter

    def __init__(
        self, mesh: GovernedMesh | None = None, *, domain: str | None = None, lakehouse: str | None = None
    ) -> None:
        # sqlframe keeps one session per process and re-enters __init__ through `_BaseSession()`: keep the state.
        if getattr(self, "_lakemesh_ready", False):
            return
        if mesh is None:
            raise InvalidInput("a SparkSession is created with SparkSession.builder.getOrCreate()")
        self._lakemesh_ready = True
        self.mesh = mesh
        self.owns_mesh = False  # True when getOrCreate opened it (then `stop()` closes it)
        self.domain = domain
        self.lakehouse = lakehouse
        self._governed = GovernedCursor(mesh)
        super().__init__(conn=_empty_connection())

    @cached_property
    def _cur(self) -> Any:
        return self._governed

    # -- PySpark surface ---------------------------------------------------------------------------
    def sql(self, sqlQuery: Any, *args: Any, **kwargs: Any) -> Any:
        """Governed SQL: names resolve as in `spark.read.table`; the gate checks the query before a DataFrame exists."""
        if args or kwargs or not isinstance(sqlQuery, str):
            raise NotImplementedError("SparkSession.sql with args or formatting: pass one SQL string")
        expression = self._single_query(sqlQuery)
        refs = []
        for table in _source_tables(expression):
            ref = self.resolve(".".join(part.name for part in table.parts))
            table.replace(_table_expression(ref).as_(table.alias_or_name))
            refs.append(ref)
        self.mesh.sql(expression.sql(dialect="duckdb"), limit=0)  # the gate, grants and audit, as /api/v1/query
        for ref in refs:
            self._register(ref)
        return super().sql(expression)

    def table(self, tableName: str) -> Any:
        return self.read.table(tableName)

    def _single_query(self, sql: str) -> exp.Expr:
        """One read query, or the gate's own refusal of the text as sent (several statements, DDL, DML, ...)."""
        try:
            statements = sqlglot.parse(sql, read="spark")
        except sqlglot.errors.ParseError:
            statements = []
        if len(statements) == 1 and isinstance(statements[0], exp.Query | exp.Values):
            return statements[0]
        self.mesh.sql(sql, limit=0)  # raises the gate's error, exactly as /api/v1/query would
        raise InvalidInput("only one read query (SELECT, WITH, VALUES) is allowed")

    def stop(self) -> None:
        self._lakemesh_ready = False
        super().stop()
        if self.owns_mesh:
            self.mesh.close()  # type: ignore[attr-defined]

    def _fetchdf(self, expressions: Any, *, quote_identifiers: bool = True) -> Any:
        """`toPandas()`: the last statement's Arrow result through the governed cursor."""
        items = expressions if isinstance(expressions, list) else [expressions]
        for item in items:
            self._execute(self._to_sql(item, quote_identifiers=quote_identifiers))
        return self._governed.fetch_arrow_table().to_pandas()

    # -- Lakemesh ------------------------------------------------------------------------------------
    def resolve(self, name: str) -> TableRef:
        return resolve_name(name, domain=self.domain, lakehouse=self.lakehouse)

    def table_exists(self, ref: TableRef) -> bool:
        try:
            self.mesh.get_table(ref.domain, ref.lakehouse, ref.table)  # type: ignore[attr-defined]
        except NotFound:
            return False
        return True

    def write(self, ref: TableRef, data: pa.Table, mode: str) -> None:
        self.mesh.write_table(ref.domain, ref.lakehouse, ref.table, data, mode=mode)

    def _register(self, ref: TableRef) -> exp.Table:
        """Check access and learn the (masked) schema with a zero-row governed query; sqlframe needs the columns."""
        schema = self.mesh.sql(f"SELECT * FROM {ref.sql()}", limit=0).schema
        table = _table_expression(ref)
        self.catalog._schema.add_table(table, dict(duckdb_types(schema)), dialect="duckdb", match_depth=False)
        return table

    def _table_frame(self, ref: TableRef) -> Any:
        table = self._register(ref)
        columns = [exp.column(name, quoted=True) for name in self.catalog._schema.column_names(table, dialect="duckdb")]
        return self._create_table(exp.select(*columns).from_(table))


class _Builder:
    """`SparkSession.builder`: `.config("lakemesh.domain"|"lakemesh.lakehouse", ...)` then `getOrCreate()`."""

    # sqlframe reads these from `builder`: notebook code is Spark SQL, run on the governed (DuckDB) engine.
    DEFAULT_INPUT_DIALECT = "spark"
    DEFAULT_OUTPUT_DIALECT = "spark"
    DEFAULT_EXECUTION_DIALECT = "duckdb"

    def __init__(self) -> None:
        self._options: dict[str, Any] = {}
        self._mesh: GovernedMesh | None = None

    def config(self, key: str | None = None, value: Any = None, **_: Any) -> _Builder:
        if key is not None:
            self._options[key] = value
        return self

    def appName(self, name: str) -> _Builder:
        return self.config("spark.app.name", name)

    def master(self, master: str) -> _Builder:
        return self.config("spark.master", master)

    def enableHiveSupport(self) -> _Builder:
        return self

    def connect(self, mesh: GovernedMesh) -> _Builder:
        """Not PySpark: act through this `Mesh` or `RemoteMesh` instead of LAKEMESH_URL / the local home."""
        self._mesh = mesh
        return self

    def getOrCreate(self) -> SparkSession:
        """The active session if there is one (as in a notebook), else a new one for the signed-in principal."""
        active = active_session()
        if active is not None and self._mesh is not None and self._mesh is not active.mesh:
            active.stop()  # an explicit other principal never gets the active session's identity
        elif active is not None:
            self._apply(active)
            return active
        mesh = self._mesh or connect_from_env()
        owned = self._mesh is None
        domain = self._options.get("lakemesh.domain") or os.environ.get("LAKEMESH_DOMAIN") or default_domain(mesh)
        lakehouse = self._options.get("lakemesh.lakehouse") or os.environ.get("LAKEMESH_LAKEHOUSE")
        if lakehouse is None and domain is not None:
            lakehouse = default_lakehouse(mesh, domain)
        self._options.clear()
        self._mesh = None
        session = SparkSession(mesh, domain=domain, lakehouse=lakehouse)
        session.owns_mesh = owned
        return session

    def _apply(self, session: SparkSession) -> None:
        session.domain = self._options.get("lakemesh.domain", session.domain)
        session.lakehouse = self._options.get("lakemesh.lakehouse", session.lakehouse)
        self._options.clear()
        self._mesh = None


SparkSession.builder = _Builder()  # type: ignore[assignment]


def active_session() -> SparkSession | None:
    """The process's active session (sqlframe keeps one), if it is a Lakemesh one."""
    active = DuckDBSession._instance
    return active if isinstance(active, SparkSession) else None


def _empty_connection() -> duckdb.DuckDBPyConnection:
    """sqlframe wants a DuckDB connection; this one holds no data and can reach no files."""
    connection = duckdb.connect(":memory:", config={"python_enable_replacements": False})
    connection.execute("SET enable_external_access = false")
    connection.execute("SET lock_configuration = true")
    return connection


def _table_expression(ref: TableRef) -> exp.Table:
    return exp.Table(
        this=exp.to_identifier(ref.table, quoted=True),
        db=exp.to_identifier(ref.lakehouse, quoted=True),
        catalog=exp.to_identifier(ref.domain, quoted=True),
    )


def _source_tables(expression: exp.Expr) -> list[exp.Table]:
    """Named tables (not CTEs, not table functions): the ones a notebook name stands for."""
    ctes = {cte.alias_or_name.lower() for cte in expression.find_all(exp.CTE)}
    return [
        table
        for table in expression.find_all(exp.Table)
        if isinstance(table.this, exp.Identifier) and not (len(table.parts) == 1 and table.name.lower() in ctes)
    ]
