"""The Ray executor: quality scans, pipeline queries and compaction as Ray tasks running Daft or delta-rs.

Ray is imported and started on first use, never at import, so `lakemesh serve` and `lakemesh --help` do
not pay for it. Every task is retried when its worker dies (`max_retries`) or storage fails transiently;
the work is idempotent (see `tasks`), so a retried task gives the same result. Daft runs inside each task
with its native runner: one task per scan, query or compaction.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa
from deltalake import DeltaTable

from lakemesh.core.errors import LakemeshError, invalid
from lakemesh.engine import EngineSession, GatedQuery, Rule, ScanResult, run_scan
from lakemesh.engine.session import SqlStatement
from lakemesh.executors import DEFAULT_MIN_BYTES, DeltaSource, tasks
from lakemesh.executors.daft_sql import NotDistributable, to_daft

log = logging.getLogger(__name__)
RELATION = "quality_source"
DEFAULT_RETRIES = 3
RETRIED = [OSError, ConnectionError]  # transient storage errors; a dead worker is always retried


class RayExecutor:
    """Runs heavy work on the Ray cluster at `address` (or a local Ray it starts) when it is over `min_bytes`."""

    name = "ray"
    remote = True

    def __init__(
        self,
        *,
        address: str | None = None,
        min_bytes: int = DEFAULT_MIN_BYTES,
        max_retries: int = DEFAULT_RETRIES,
        num_cpus: int | None = None,
        before_task: Callable[[], None] | None = None,
    ) -> None:
        """`before_task` runs in the worker before each attempt (tracing, fault injection in tests)."""
        if min_bytes < 0 or max_retries < 0:
            raise invalid("executor", "min_bytes and max_retries must not be negative")
        self.address = address
        self.min_bytes = min_bytes
        self.max_retries = max_retries
        self._num_cpus = num_cpus
        self._before_task = before_task
        self._started = False
        self._ray: Any = None
        self._remote: Any = None
        self._lock = threading.Lock()  # the scheduler and request threads may submit the first task together

    def distributes(self, size_bytes: int) -> bool:
        return size_bytes >= self.min_bytes

    # -- work ----------------------------------------------------------------------------------------
    def scan(self, source: DeltaSource, rules: Sequence[Rule], *, now: datetime, sample_limit: int) -> ScanResult:
        schema = pa.schema(
            DeltaTable(source.uri, version=source.version, storage_options=source.storage_options or None)
            .schema()
            .to_arrow()
        )
        with DaftScanSession(self, source, schema) as session:
            return run_scan(session, RELATION, rules, now=now, sample_limit=sample_limit)

    def query(self, query: GatedQuery, inputs: Mapping[str, pa.Table]) -> pa.Table:
        """The gated query on Daft; the result has exactly the columns and types DuckDB would return."""
        daft_query = to_daft(query.sql, _column_types(inputs.values()))
        expected = _duckdb_schema(query, inputs)
        planned = tasks.plan(daft_query, {name: table.schema for name, table in inputs.items()})
        if len(planned) != len(expected):
            raise NotDistributable("Daft returns different columns for this query")
        _castable(planned, expected)
        result = self.submit("lakemesh-query", tasks.run_query, daft_query, dict(inputs))
        return result.rename_columns(expected.names).cast(expected)

    def compact(self, source: DeltaSource, *, actor: str | None) -> dict[str, Any]:
        metrics: dict[str, Any] = self.submit("lakemesh-compact", tasks.compact_table, source, actor)
        return metrics

    def close(self) -> None:
        """Shut Ray down if this executor started it (a cluster it joined keeps running)."""
        if self._started and self._ray is not None:
            self._ray.shutdown()
            log.info("stopped the local Ray instance")
        self._started = False

    # -- tasks ---------------------------------------------------------------------------------------
    def submit(self, name: str, function: Callable[..., Any], *args: Any) -> Any:
        """Run `function(*args)` as a Ray task with retries; its error, or a readable one, on failure."""
        ray = self._connect()
        remote = self._remote.options(name=name, max_retries=self.max_retries, retry_exceptions=RETRIED)
        try:
            return ray.get(remote.remote(self._before_task, function, *args))
        except ray.exceptions.RayTaskError as exc:
            cause = exc.cause
            if isinstance(cause, Exception):
                raise cause from None
            raise LakemeshError(f"{name} failed on Ray: {str(exc).splitlines()[0]}") from exc
        except ray.exceptions.RayError as exc:
            attempts = self.max_retries + 1
            raise LakemeshError(f"{name} failed on Ray after {attempts} attempts: {type(exc).__name__}") from exc

    def _connect(self) -> Any:
        if self._ray is not None and self._ray.is_initialized():
            return self._ray
        with self._lock:
            return self._start()

    def _start(self) -> Any:
        import ray

        if not ray.is_initialized():
            if self.address:
                ray.init(address=self.address, ignore_reinit_error=True, log_to_driver=False)
                log.info("joined the Ray cluster at %s", self.address)
            else:
                ray.init(
                    num_cpus=self._num_cpus, include_dashboard=False, ignore_reinit_error=True, log_to_driver=False
                )
                self._started = True
                log.info("started a local Ray instance (no dashboard) for heavy work")
        self._remote = ray.remote(_attempt)
        self._ray = ray
        return ray


class DaftScanSession(EngineSession):
    """The engine session `run_scan` drives, answering each compiled statement with a Daft task on Ray."""

    def __init__(self, executor: RayExecutor, source: DeltaSource, schema: pa.Schema) -> None:
        # Not EngineSession.__init__: there is no DuckDB here, only the one relation on Ray.
        self._executor = executor
        self._source = source
        self._schema = schema
        self._relations = {RELATION}

    def schema(self, relation: str) -> pa.Schema:
        return self._schema

    def execute(self, statement: SqlStatement) -> pa.Table:
        query = to_daft(statement.sql, {field.name: field.type for field in self._schema})
        tasks.plan(query, {RELATION: self._schema})
        result: pa.Table = self._executor.submit("lakemesh-scan", tasks.scan_delta, self._source, RELATION, query)
        return result

    def register(self, name: str, source: object, *, columns: object = None) -> None:
        raise NotDistributable("a Daft scan session reads only its own table")

    def unregister(self, name: str) -> None:
        raise NotDistributable("a Daft scan session reads only its own table")

    def interrupt(self) -> None:
        return None

    def close(self) -> None:
        return None


def _attempt(before: Callable[[], None] | None, function: Callable[..., Any], *args: Any) -> Any:
    """One attempt of a task, in the worker."""
    if before is not None:
        before()
    return function(*args)


def _duckdb_schema(query: GatedQuery, inputs: Mapping[str, pa.Table]) -> pa.Schema:
    """What the local engine returns for this query: DuckDB over empty inputs of the same schemas."""
    with EngineSession(memory_limit="256MB", threads=1) as engine:
        for name, table in inputs.items():
            engine.register(name, table.schema.empty_table())
        return engine.execute(query).schema


def _column_types(tables: Iterable[pa.Table]) -> dict[str, pa.DataType]:
    """Each column name the inputs share with one type (a name with two types is left untyped)."""
    seen: dict[str, set[pa.DataType]] = {}
    for table in tables:
        for column in table.schema:
            seen.setdefault(column.name.lower(), set()).add(column.type)
    return {name: next(iter(kinds)) for name, kinds in seen.items() if len(kinds) == 1}


def _castable(planned: pa.Schema, expected: pa.Schema) -> None:
    try:
        planned.empty_table().rename_columns(expected.names).cast(expected)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise NotDistributable(f"Daft's result types differ from the local engine's: {exc}") from exc
