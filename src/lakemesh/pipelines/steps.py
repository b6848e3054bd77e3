"""The four kinds of step, run as the pipeline's principal so every permission, contract and policy applies.

Each step writes at most one table, through `TableData.write`: one Delta commit, checked before it commits,
so a failed step leaves its target at the version it had.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

import pyarrow as pa

from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.catalog import Catalog
from lakemesh.core.errors import InvalidInput, NotFound, invalid
from lakemesh.engine import EngineSession, TableName, gate_query, parse_rule, run_scan
from lakemesh.lakehouses.data import TableData
from lakemesh.lakehouses.files import FileService
from lakemesh.lakehouses.models import ColumnDef, TableCreate, TableUpdate
from lakemesh.lakehouses.tables import TableService
from lakemesh.lineage.events import DatasetRef, column_lineage
from lakemesh.pipelines.models import StepSpec, TargetColumn, TargetSpec
from lakemesh.pipelines.plan import TableRef, resolve_name, target_of
from lakemesh.pipelines.sources import (
    UrlAllowList,
    database_reader,
    download,
    format_of,
    glob_prefix,
    is_glob,
    match_files,
    spooled_reader,
)
from lakemesh.products.service import ProductService
from lakemesh.storage import textcast
from lakemesh.storage.types import type_name


class QualityGateFailed(InvalidInput):
    """The product's blocking quality rules failed on the data; the run stops here."""

    code, title = "quality-gate-failed", "Quality gate failed"


@dataclass
class StepServices:
    """The platform services steps use (passed in, so this module does not import the Platform)."""

    catalog: Catalog
    tables: TableService
    table_data: TableData
    files: FileService
    products: ProductService
    allow_list: UrlAllowList
    max_download_bytes: int
    engine_memory: str = "1GB"


@dataclass
class StepOutcome:
    rows_read: int = 0
    rows_written: int = 0
    table: str | None = None
    version: int | None = None
    inputs: list[DatasetRef] = field(default_factory=list)
    outputs: list[DatasetRef] = field(default_factory=list)


@dataclass
class StepContext:
    """What a step sees: who it acts as, where it is, its parameters, and a logger that lands in the run's log."""

    actor: Principal
    domain: str
    lakehouse: str | None
    step: StepSpec
    index: int
    attempt: int
    now: datetime
    services: StepServices
    log: Callable[[str], None]

    @property
    def params(self) -> dict[str, Any]:
        return self.step.params

    def resolve(self, name: str | tuple[str, ...]) -> TableRef:
        parts = tuple(name.split(".")) if isinstance(name, str) else name
        return resolve_name(parts, self.domain, self.lakehouse, ("steps", self.index))

    def read(self, name: str | tuple[str, ...]) -> pa.RecordBatchReader:
        """A governed read (permissions and column masking apply) of a table."""
        return self.services.table_data.read(self.actor, *self.resolve(name))

    def qualified(self, ref: TableRef) -> str:
        with self.services.catalog.read() as session:
            handle = self.services.tables.locate(session, self.actor, *ref, Action.ITEM_READ)
        return handle.qualified_name


# A registered Python step: gets the context, returns data to write to its target (or None).
PythonStep = Callable[[StepContext], "pa.Table | pa.RecordBatchReader | None"]


class StepExecutor(Protocol):
    """Runs one step attempt. The default runs it in this process; a scale-out executor (Ray) can run it elsewhere."""

    def execute(self, context: StepContext, run: Callable[[StepContext], StepOutcome]) -> StepOutcome: ...


class InProcessExecutor:
    def execute(self, context: StepContext, run: Callable[[StepContext], StepOutcome]) -> StepOutcome:
        return run(context)


class StepRunner:
    """Runs one attempt of a step of any kind."""

    def __init__(self, functions: dict[str, PythonStep]) -> None:
        self._functions = functions

    def __call__(self, context: StepContext) -> StepOutcome:
        kind = context.step.type
        if kind == "ingest":
            return self._ingest(context)
        if kind == "sql":
            return self._sql(context)
        if kind == "python":
            return self._python(context)
        return self._quality(context)

    # -- ingest ----------------------------------------------------------------------------------
    def _ingest(self, context: StepContext) -> StepOutcome:
        source = context.step.source
        assert source is not None and context.step.target is not None
        services = context.services
        loc = ("steps", context.index, "source")
        target = self._target(context)
        if source.url:
            services.allow_list.check_url(source.url, (*loc, "url"))
            reader = spooled_reader(
                [download(source.url, services.allow_list, services.max_download_bytes, (*loc, "url"))],
                format_of(source.url, source.format),
            )
            dataset = DatasetRef(name=source.url, namespace="url")
        elif source.database:
            services.allow_list.check_database(source.database, (*loc, "database"))
            reader = database_reader(source.database, source.query or "")
            dataset = DatasetRef(name=_redact(source.database), namespace="database")
        else:
            pattern = source.files or ""
            lakehouse = source.lakehouse or target[1]
            paths = self._files(context, lakehouse, pattern)
            context.log(f"reading {len(paths)} file(s) from {lakehouse}/Files: {', '.join(paths[:5])}")
            fmt = format_of(paths[0], source.format)
            openers = [self._opener(context, lakehouse, p) for p in paths]
            reader = spooled_reader(openers, fmt)
            dataset = DatasetRef(name=f"{context.domain}/{lakehouse}/Files/{pattern}", namespace="files")
        outcome = self._write(context, target, reader)
        outcome.rows_read = outcome.rows_written
        dataset.schema = reader.schema
        outcome.inputs.append(dataset)
        return outcome

    def _files(self, context: StepContext, lakehouse: str, pattern: str) -> list[str]:
        files = context.services.files
        available = (
            [f.path for f in files.list(context.actor, context.domain, lakehouse, glob_prefix(pattern))]
            if is_glob(pattern)
            else [pattern]
        )
        paths = match_files(pattern, available)
        if not paths:
            raise NotFound(f"No file in {lakehouse}/Files matches {pattern!r}")
        return paths

    @staticmethod
    def _opener(context: StepContext, lakehouse: str, path: str) -> Callable[[], Any]:
        def chunks() -> Any:
            _, stream = context.services.files.download(context.actor, context.domain, lakehouse, path)
            return stream

        return chunks

    # -- sql -------------------------------------------------------------------------------------
    def _sql(self, context: StepContext) -> StepOutcome:
        assert context.step.sql is not None
        relations: dict[TableRef, str] = {}
        written: dict[tuple[str, ...], str] = {}
        inputs: list[DatasetRef] = []
        rows_read = 0
        with EngineSession(memory_limit=context.services.engine_memory) as engine:

            def resolve(name: TableName) -> str:
                nonlocal rows_read
                ref = context.resolve(name.parts)
                key = (ref[0].lower(), ref[1].lower(), ref[2].lower())
                if key not in relations:
                    table = context.read(ref).read_all()
                    rows_read += table.num_rows
                    relations[key] = f"input_{len(relations)}"
                    engine.register(relations[key], table)
                    qualified = context.qualified(ref)
                    inputs.append(DatasetRef(name=qualified, schema=table.schema))
                    written[tuple(p.lower() for p in name.parts)] = qualified
                return relations[key]

            gated = gate_query(context.step.sql, resolve)
            result = engine.execute(gated)
        context.log(f"query read {rows_read} rows from {len(relations)} table(s) and returned {result.num_rows} rows")
        outcome = self._write(context, self._target(context), result)
        outcome.rows_read = rows_read
        outcome.inputs = inputs
        if outcome.outputs:
            outcome.outputs[0].columns = column_lineage(context.step.sql, result.schema, written)
        return outcome

    # -- python ----------------------------------------------------------------------------------
    def _python(self, context: StepContext) -> StepOutcome:
        function = self._functions.get(context.step.function or "")
        if function is None:
            raise invalid(
                ("steps", context.index, "function"), f"no Python step registered as {context.step.function!r}"
            )
        data = function(context)
        inputs = [DatasetRef(name=context.qualified(context.resolve(n))) for n in context.step.inputs]
        if context.step.target is None:
            return StepOutcome(inputs=inputs)
        if data is None:
            raise invalid(("steps", context.index), "the Python step returned no data but has a target")
        outcome = self._write(context, self._target(context), data)
        outcome.inputs = inputs
        return outcome

    # -- quality gate ----------------------------------------------------------------------------
    def _quality(self, context: StepContext) -> StepOutcome:
        ref = context.step.product or ""
        domain, _, name = ref.rpartition("/")
        domain = domain or context.domain
        spec = context.services.products.spec(context.actor, domain, name)
        product = context.services.products.get(context.actor, domain, name)
        rules = [
            parse_rule(r, loc=("quality_rules", i))
            if isinstance(r, str)
            else parse_rule(
                r.condition,
                name=r.name,
                threshold=r.threshold if r.threshold is not None else 1.0,
                severity=r.severity,
                loc=("quality_rules", i),
            )
            for i, r in enumerate(spec.quality_rules)
        ]
        table_domain, lakehouse, table_name = product.table.split(".")
        data = context.services.table_data.read(context.actor, table_domain, lakehouse, table_name).read_all()
        with EngineSession(memory_limit=context.services.engine_memory) as engine:
            engine.register("product", data)
            result = run_scan(engine, "product", rules, now=context.now) if rules else None
        if result is None:
            context.log(f"{product.qualified_name} has no quality rules; nothing to check")
            return StepOutcome(rows_read=data.num_rows)
        blocking = [r for r in result.rules if not r.passed and r.severity == "error"]
        for rule in result.rules:
            status = "passed" if rule.passed else "FAILED"
            context.log(f"rule {rule.name!r}: {status} ({rule.pass_rate:.2%} of {result.total_rows} rows)")
        if blocking:
            names = ", ".join(repr(r.name) for r in blocking)
            raise QualityGateFailed(f"Quality gate of {product.qualified_name} failed: {names}")
        return StepOutcome(rows_read=result.total_rows, inputs=[DatasetRef(name=product.table)])

    # -- shared ----------------------------------------------------------------------------------
    def _target(self, context: StepContext) -> TableRef:
        ref = target_of(context.step, context.domain, context.lakehouse, context.index)
        assert ref is not None
        return ref

    def _write(self, context: StepContext, ref: TableRef, data: pa.Table | pa.RecordBatchReader) -> StepOutcome:
        target = context.step.target
        assert target is not None
        merge_keys = target.merge_keys if target.mode == "merge" else None
        mode: Literal["append", "overwrite"] = "overwrite" if target.mode == "overwrite" else "append"
        if target.description is not None or target.layer is not None or target.columns:
            data = self._describe(context, ref, target, data)
        result = context.services.table_data.write(context.actor, *ref, data, mode=mode, merge_keys=merge_keys)
        for warning in result.warnings:
            context.log(f"warning: {warning}")
        context.log(f"wrote {result.rows_written} rows to {result.table} ({result.mode}), version {result.version}")
        schema = data.schema
        return StepOutcome(
            rows_written=result.rows_written,
            table=result.table,
            version=result.version,
            outputs=[DatasetRef(name=result.table, schema=schema)],
        )

    def _describe(
        self, context: StepContext, ref: TableRef, target: TargetSpec, data: pa.Table | pa.RecordBatchReader
    ) -> pa.Table | pa.RecordBatchReader:
        """The target's description, layer and column labels, set before the write (a new table is created first)."""
        labels = {name: c.model_dump(exclude_none=True) for name, c in target.columns.items()}
        tables = context.services.tables
        try:
            update = TableUpdate(description=target.description, layer=target.layer, columns=labels)
            tables.update(context.actor, *ref, update)
            return data
        except NotFound:
            pass
        if isinstance(data, pa.RecordBatchReader) and textcast.text_format(data.schema) == "csv":
            data = textcast.inferred(data)  # the new table gets the CSV's inferred types, as a plain write would
        schema = data.schema
        by_name = {name.lower(): c for name, c in target.columns.items()}
        columns = [
            ColumnDef(
                name=f.name,
                type=type_name(f.type),
                nullable=f.nullable,
                description=(by_name.get(f.name.lower()) or TargetColumn()).description or "",
                sensitivity_label=(by_name.get(f.name.lower()) or TargetColumn()).sensitivity_label,
            )
            for f in schema
        ]
        create = TableCreate(name=ref[2], layer=target.layer, description=target.description or "", columns=columns)
        tables.create(context.actor, ref[0], ref[1], create)
        context.log(f"created {'.'.join(ref)} with its description and column labels")
        return data


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
