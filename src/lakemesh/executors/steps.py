"""A pipeline step executor that runs `sql` steps' queries on a distributed executor (Ray through Daft).

The server still does everything that touches the catalog or governance: it resolves the step's tables as the
pipeline's principal, reads them through the governed read (permissions, pinned versions and column masking
apply), gates the SQL, and commits the result through the step's usual write path (`commit`: contracts,
lineage). Only the query runs on Ray, over the Arrow inputs, so workers never see catalog credentials.
Every other kind of step, and queries over inputs under the executor's size threshold, run in process.
This module sits below `lakemesh.pipelines`, so the step context is used through its attributes only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from lakemesh.engine import EngineSession, GatedQuery, TableName, gate_query
from lakemesh.executors import Executor
from lakemesh.executors.daft_sql import NotDistributable

log = logging.getLogger(__name__)


@dataclass
class ComputedQuery:
    """A `sql` step's query result, computed by an executor, and what the step read (for lineage)."""

    result: pa.Table
    rows_read: int
    inputs: list[tuple[str, pa.Schema]] = field(default_factory=list)
    names: dict[tuple[str, ...], str] = field(default_factory=dict)  # table as written in the SQL -> qualified


class DistributedSteps:
    """A StepExecutor (see `lakemesh.pipelines.steps`) that hands `sql` steps' queries to `executor`."""

    def __init__(self, executor: Executor, commit: Callable[[Any, ComputedQuery], Any]) -> None:
        """`commit(context, computed)` writes the result as the step would and returns its StepOutcome."""
        self.executor = executor
        self._commit = commit

    def execute(self, context: Any, run: Callable[[Any], Any]) -> Any:
        if context.step.type != "sql" or not self.executor.remote:
            return run(context)
        computed, gated, inputs = _read_inputs(context)
        where = "locally"
        if self.executor.distributes(sum(t.nbytes for t in inputs.values())):
            try:
                computed.result = self.executor.query(gated, inputs)
                where = f"on {self.executor.name}"
            except NotDistributable as exc:
                context.log(f"the query runs locally: {exc.detail}")
        if where == "locally":
            with EngineSession(memory_limit=context.services.engine_memory) as engine:
                for name, table in inputs.items():
                    engine.register(name, table)
                computed.result = engine.execute(gated)
        context.log(
            f"query read {computed.rows_read} rows from {len(inputs)} table(s) and returned "
            f"{computed.result.num_rows} rows ({where})"
        )
        return self._commit(context, computed)


def _read_inputs(context: Any) -> tuple[ComputedQuery, GatedQuery, dict[str, pa.Table]]:
    """Gate the step's SQL, reading each table it names once, as the step's principal."""
    computed = ComputedQuery(result=pa.table({}), rows_read=0)
    relations: dict[tuple[str, ...], str] = {}
    inputs: dict[str, pa.Table] = {}

    def resolve(name: TableName) -> str:
        ref = context.resolve(name.parts)
        key = tuple(part.lower() for part in ref)
        if key not in relations:
            table = context.read(ref).read_all()
            relations[key] = f"input_{len(relations)}"
            inputs[relations[key]] = table
            computed.rows_read += table.num_rows
            qualified = context.qualified(ref)
            computed.inputs.append((qualified, table.schema))
            computed.names[tuple(part.lower() for part in name.parts)] = qualified
        return relations[key]

    gated = gate_query(context.step.sql, resolve)
    return computed, gated, inputs
