"""Governed SQL: one read query through the gate, over masked views of the tables the caller may read.

Tables are addressed `<domain>.<lakehouse>.<table>`, products `product.<domain>.<product>` (SQL identifiers
cannot hold `/` or `-`, so write `-` as `_`: `product.sales.customer_360`). A table that does not exist and a
table the caller may not read give the same 404, worded from what the caller wrote.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import pyarrow as pa
import sqlglot
from deltalake import DeltaTable
from sqlalchemy.orm import Session
from sqlglot import exp

from lakemesh.access.log_answers import answer_from_log
from lakemesh.access.masked_groups import plan_masked_grouping
from lakemesh.access.masking import MaskPlan
from lakemesh.access.models import QueryHistoryEntry
from lakemesh.access.reads import ReadGovernor
from lakemesh.access.resolved import ResolvedTable, ResolvedTables, Version, resolution_key
from lakemesh.access.running import RunningQueries, RunningQuery
from lakemesh.access.store import next_grant_expiry
from lakemesh.audit.service import latest_entries
from lakemesh.auth.authorize import Authorizer
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.catalog import Catalog
from lakemesh.catalog.outbox import catalog_version
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Conflict, Forbidden, NotFound, ServiceUnavailable, invalid
from lakemesh.core.ids import new_id
from lakemesh.core.pages import check_limit
from lakemesh.domains.service import find_domain_row
from lakemesh.engine import EngineLimits, EngineSession, TableName, gate_query
from lakemesh.engine.gate import GatedQuery
from lakemesh.engine.pool import SessionPool
from lakemesh.lakehouses.store import table_and_lakehouse
from lakemesh.lakehouses.tables import TableHandle, TableService, table_resource
from lakemesh.products.reads import may_see, product_slugged
from lakemesh.products.status import VISIBLE_TO_ALL
from lakemesh.storage.delta import arrow_schema
from lakemesh.storage.native import ParquetSnapshot, file_statistics, native_snapshot
from lakemesh.storage.snapshots import LatestSnapshots

if TYPE_CHECKING:
    from lakemesh.catalog.tables.domains import DomainRow

PRODUCT_PREFIX = "product"
DEFAULT_LIMIT = 10_000
MAX_LIMIT = 1_000_000
QUERY_AUDIT_ACTION = "query.executed"


@dataclass
class QueryOutcome:
    """The result of a governed query and what it touched."""

    table: pa.Table
    truncated: bool
    tables: list[str]
    masked: dict[str, list[str]] = field(default_factory=dict)
    duration_ms: int = 0


class QueryCancel:
    """Lets another thread stop a running query (a SQL client's cancel request): fired before the engine
    starts, the query is interrupted as soon as it does."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._interrupt: Callable[[], None] | None = None
        self.fired = False

    def attach(self, interrupt: Callable[[], None]) -> None:
        with self._lock:
            self._interrupt = interrupt
            fired = self.fired
        if fired:
            interrupt()

    def detach(self) -> None:
        with self._lock:
            self._interrupt = None

    def fire(self) -> None:
        with self._lock:
            self.fired = True
            interrupt = self._interrupt
        if interrupt is not None:
            interrupt()


# (the DeltaTable when it must be read through delta-rs, its native snapshot, its add actions' statistics)
_Snapshot = tuple[DeltaTable | None, ParquetSnapshot | None, Callable[[], pa.Table]]


@dataclass
class _Source:
    relation: str
    handle: TableHandle
    plan: MaskPlan


class QueryService:
    def __init__(
        self,
        catalog: Catalog,
        authorizer: Authorizer,
        clock: Clock,
        tables: TableService,
        reads: ReadGovernor,
        *,
        memory_limit: str = "2GB",
        threads: int = 2,
        timeout_seconds: float = 120.0,
        spill_directory: str | None = None,
    ) -> None:
        self._catalog = catalog
        self._authz = authorizer
        self._clock = clock
        self._tables = tables
        self._reads = reads
        self.memory_limit = memory_limit
        self.threads = threads
        self.timeout_seconds = timeout_seconds
        self.spill_directory = spill_directory
        self._pool = SessionPool(memory_limit=memory_limit, threads=threads, spill_directory=spill_directory)
        self._running = RunningQueries()
        self._latest = LatestSnapshots(arrow_schema)
        self._resolved = ResolvedTables()

    def close(self) -> None:
        """Stop the thread that opens engine sessions ahead of queries."""
        self._pool.close()

    def run(
        self,
        actor: Principal,
        sql: str,
        *,
        limit: int | None = None,
        cancel: QueryCancel | None = None,
        query_id: str | None = None,
        parameters: Sequence[object] = (),
    ) -> QueryOutcome:
        """Run one governed query; `cancel` (a SQL client's) or a `query_id` (for `cancel()`) can stop it.

        `parameters`: the values of `$1`..`$n` in `sql` (the SQL endpoint's bound parameters), passed to the engine
        as values, so a statement run with new values is not parsed and checked again."""
        started = time.monotonic()
        rows = DEFAULT_LIMIT if limit is None else limit
        if not 0 <= rows <= MAX_LIMIT:
            raise invalid("limit", f"must be between 0 and {MAX_LIMIT}")
        sources: dict[str, _Source] = {}
        with self._catalog.connect() as connection:  # autocommit: one round trip on PostgreSQL
            version = catalog_version(connection)
        now = self._clock.now()
        with ExitStack() as stack:
            sessions: list[Session] = []

            def session() -> Session:
                """A catalog session, opened for the first name not resolved at this version yet."""
                if not sessions:
                    sessions.append(stack.enter_context(self._catalog.read()))
                return sessions[0]

            def resolve(name: TableName) -> str:
                resolved = self._resolved_table(session, actor, name, version, now)
                handle = resolved.handle
                if handle.table.id not in sources:
                    # Named by position: the engine session is the query's own, and the same name for the same
                    # view statement lets a pooled connection keep its views (SessionPool).
                    relation = f"t{len(sources)}"
                    sources[handle.table.id] = _Source(relation, handle, resolved.plan)
                return sources[handle.table.id].relation

            gated = gate_query(sql, resolve, limits=EngineLimits(max_rows=rows + 1), parameters=parameters)
        with self._running.track(actor.id, query_id) as running:
            result = self._execute(gated, list(sources.values()), running, cancel)
        truncated = result.num_rows > rows
        if truncated:
            result = result.slice(0, rows)
        outcome = QueryOutcome(
            table=result,
            truncated=truncated,
            tables=[s.handle.qualified_name for s in sources.values()],
            masked={s.handle.qualified_name: s.plan.masked_columns for s in sources.values() if s.plan.masks},
            duration_ms=int((time.monotonic() - started) * 1000),
        )
        self._audit(actor, sql, list(sources.values()), outcome, gated.statement, parameters)
        return outcome

    def cancel(self, actor: Principal, query_id: str) -> None:
        """Stop the actor's running query `query_id` now; it then fails with Conflict ("cancelled")."""
        self._running.cancel(actor.id, query_id)

    def history(self, actor: Principal, *, limit: int = 20) -> list[QueryHistoryEntry]:
        """The actor's own latest queries that ran (from the read audit), newest first: to run one again."""
        check_limit(limit)
        with self._catalog.read() as session:
            entries = latest_entries(session, actor.name, QUERY_AUDIT_ACTION, limit)
            return [
                QueryHistoryEntry(
                    at=row.at,
                    sql=_with_values(str(row.summary.get("sql", "")), row.summary.get("parameters")),
                    rows=int(row.summary.get("rows", 0)),
                    truncated=bool(row.summary.get("truncated", False)),
                    tables=[str(o.get("name", "")) for o in row.summary.get("objects", [])],
                    duration_ms=row.summary.get("duration_ms"),
                )
                for row in entries
            ]

    def _execute(
        self, gated: GatedQuery, sources: list[_Source], running: RunningQuery, cancel: QueryCancel | None = None
    ) -> pa.Table:
        """Answer from the Delta log when the query allows it, else scan each table natively (or via Arrow)."""
        snapshots = {s.relation: self._snapshot(s.handle) for s in sources}
        if len(sources) == 1 and not gated.parameters:  # the log knows literals, not parameters
            source = sources[0]
            _, native, statistics = snapshots[source.relation]
            if native is not None:
                answer = answer_from_log(gated.statement, source.relation, native.schema, source.plan, statistics)
                if answer is not None:
                    return answer
        files = [path for _, native, _ in snapshots.values() if native is not None for path in native.files]
        with self._pool.session(readable_files=files) as engine:
            gated = self._register(engine, gated, sources, snapshots)
            timer = threading.Timer(self.timeout_seconds, engine.interrupt)
            timer.start()
            if cancel is not None:
                cancel.attach(engine.interrupt)
            try:
                self._running.attach(running, engine)
                return engine.execute(gated)
            except ServiceUnavailable:
                if running.cancelled:
                    raise Conflict("The query was cancelled") from None
                raise
            finally:
                self._running.detach(running)
                timer.cancel()
                if cancel is not None:
                    cancel.detach()

    def _register(
        self, engine: EngineSession, gated: GatedQuery, sources: list[_Source], snapshots: dict[str, _Snapshot]
    ) -> GatedQuery:
        """Register each source (masked); the query to run, rewritten when a masked GROUP BY can mask groups."""
        for source in sources:
            table, native, _ = snapshots[source.relation]
            if native is not None:
                columns = source.plan.expressions(native.schema, self._reads.hash_key(source.plan))
                grouped = None
                if len(sources) == 1 and not gated.parameters:  # a view takes no parameters
                    grouped = plan_masked_grouping(gated.statement, source.relation, native.schema, columns)
                if grouped is not None:  # GROUP BY a masked column: mask each group, not each row
                    gated = gated.replaced(grouped.statement)
                engine.register_parquet(
                    source.relation,
                    native.files,
                    native.schema,
                    columns=columns,
                    partitions=native.partitions,
                    grouping=None if grouped is None else grouped.grouping,
                )
            elif table is not None:  # deletion vectors, column mapping, object storage: delta-rs reads it
                columns = source.plan.expressions(arrow_schema(table), self._reads.hash_key(source.plan))
                engine.register(source.relation, table.to_pyarrow_dataset(), columns=columns)
        return gated

    # -- resolution --------------------------------------------------------------------------------
    def _resolved_table(
        self, session: Callable[[], Session], actor: Principal, name: TableName, version: Version, now: datetime
    ) -> ResolvedTable:
        """The table and the actor's masks on it: kept from an earlier query while the catalog has not changed."""
        key = resolution_key(actor, name.parts)
        kept = self._resolved.get(key, version, now)
        if kept is not None:
            return kept
        reader = session()
        handle = self._resolve(reader, actor, name)
        resolved = ResolvedTable(handle, self._reads.plan(actor, handle, reader))
        self._resolved.keep(key, version, resolved, next_grant_expiry(reader, actor.id, now))
        return resolved

    def _resolve(self, session: Session, actor: Principal, name: TableName) -> TableHandle:
        written = str(name)
        parts = [p.lower() for p in name.parts]
        if len(parts) == 3 and parts[0] == PRODUCT_PREFIX:
            return self._resolve_product(session, actor, parts[1], parts[2], written)
        if len(parts) != 3:
            raise NotFound(
                f"Table {written} not found; write <domain>.<lakehouse>.<table> or {PRODUCT_PREFIX}.<domain>.<product>"
            )
        domain = _domain(session, parts[0])
        if domain is None:
            raise NotFound(f"Table {written} not found")
        try:
            return self._tables.locate(session, actor, domain.slug, parts[1], parts[2], Action.DATA_READ)
        except (NotFound, Forbidden):
            # The same answer whether the table is missing or hidden: never confirm it exists.
            raise NotFound(f"Table {written} not found") from None

    def _resolve_product(
        self, session: Session, actor: Principal, domain_ref: str, ref: str, written: str
    ) -> TableHandle:
        domain = _domain(session, domain_ref)
        product = product_slugged(session, domain.id, [ref, ref.replace("_", "-")]) if domain else None
        if domain is None or product is None:
            raise NotFound(f"Product {written} not found")
        serving = product.status in VISIBLE_TO_ALL
        if not may_see(self._authz, actor, product, domain, session):
            raise NotFound(f"Product {written} not found")
        located = table_and_lakehouse(session, product.table_id)
        if located is None:
            raise NotFound(f"Product {written} has no table to read")
        row, lakehouse = located
        if not self._authz.can(actor, Action.DATA_READ, table_resource(domain, lakehouse, row.name), session):
            if serving:  # a published product is public: say what to do rather than pretend it is missing
                raise Forbidden(f"You have no grant on {domain.slug}/{product.slug}; request access to query it")
            raise NotFound(f"Product {written} not found")
        return self._tables.handle(domain, lakehouse, row)

    def _snapshot(self, handle: TableHandle) -> _Snapshot:
        """The table's snapshot: its Parquet files when DuckDB can read them natively, else the DeltaTable."""
        if handle.pinned_version is None:
            latest = self._latest.get(handle.uri)
            if latest is not None:
                return None, latest.snapshot, latest.statistics
        if not self._tables.delta.exists(handle.uri):
            raise NotFound(f"Table {handle.qualified_name} has no data yet")
        # A shortcut resolves to its target's handle; one that pins a version is read at that version.
        table = self._tables.delta.open(handle.uri, version=handle.pinned_version)
        native = native_snapshot(table, arrow_schema(table))
        if native is not None and handle.pinned_version is None:
            self._latest.keep(handle.uri, table, native)
            latest = self._latest.get(handle.uri)
            if latest is not None:
                return None, latest.snapshot, latest.statistics
        return table, native, lambda: file_statistics(table)

    # -- audit -------------------------------------------------------------------------------------
    def _audit(
        self,
        actor: Principal,
        sql: str,
        sources: list[_Source],
        outcome: QueryOutcome,
        statement: exp.Expr | None,
        parameters: Sequence[object],
    ) -> None:
        referenced, star = _referenced_columns(sql, statement)
        objects = []
        for source in sources:
            known = [str(c["name"]) for c in source.handle.table.columns or []]
            columns = known if star else [c for c in known if c.lower() in referenced]
            objects.append(
                {
                    "id": source.handle.table.id,
                    "name": source.handle.qualified_name,
                    "columns": columns,
                    "masked": source.plan.masked_columns,
                }
            )
        first = sources[0].handle if sources else None
        self._reads.audit_read(
            actor.name,
            QUERY_AUDIT_ACTION,
            objects,
            rows=outcome.table.num_rows,
            resource=(
                "query",
                new_id("qry"),
                first.qualified_name if first else "(no table)",
                first.domain.slug if first else None,
            ),
            extra={
                "sql": sql[:4000],
                "truncated": outcome.truncated,
                "duration_ms": outcome.duration_ms,
                **({"parameters": [_audited(v) for v in parameters]} if parameters else {}),
            },
        )


def _domain(session: Session, ref: str) -> DomainRow | None:
    return find_domain_row(session, ref) or find_domain_row(session, ref.replace("_", "-"))


def _audited(value: object) -> object:
    """A bound value as the audit log keeps it: JSON's own types as they are, anything else as text (cut)."""
    return value if value is None or isinstance(value, bool | int | float) else str(value)[:200]


def _with_values(sql: str, parameters: object) -> str:
    """A statement run with bound values (the SQL endpoint's), the values written in as literals: history is for
    running a query again, and REST takes no parameters."""
    if not isinstance(parameters, list) or not parameters:
        return sql
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.SqlglotError:
        return sql

    def written(node: exp.Expr) -> exp.Expr:
        number = node.this if isinstance(node, exp.Placeholder) else None
        if not isinstance(number, str) or not number.isdigit() or not 1 <= int(number) <= len(parameters):
            return node
        return exp.convert(parameters[int(number) - 1])  # the audit keeps JSON's types: NULL, booleans, numbers, text

    return tree.transform(written).sql(dialect="duckdb")


def _referenced_columns(sql: str, statement: exp.Expr | None = None) -> tuple[set[str], bool]:
    """Column names the query mentions (lower case), and whether it selects `*` (from the gate's tree if given)."""
    tree = statement
    if tree is None:
        try:
            tree = sqlglot.parse_one(sql, read="duckdb")
        except sqlglot.errors.SqlglotError:
            return set(), True
    names = {c.name.lower() for c in tree.find_all(exp.Column) if c.name}
    star = any(not isinstance(s.parent, exp.Count) for s in tree.find_all(exp.Star))
    return names, star
