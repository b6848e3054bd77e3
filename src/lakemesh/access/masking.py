"""Column masking: which columns a reader sees masked, and the SQL that masks them.

Masks are SQL column expressions over the source row. Governed queries register each table as a view
of these expressions, so the user's SQL never sees a clear value; table reads run the same view over
every batch in a locked-down DuckDB session, so both paths mask identically.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

import pyarrow as pa
from sqlglot import exp

from lakemesh.engine.session import EngineSession

MaskFunction = Literal["redact", "hash", "partial", "null"]
MASK_FUNCTIONS: tuple[str, ...] = get_args(MaskFunction)
SENSITIVE_LABELS = ("confidential", "highly confidential")
DEFAULT_POLICY: dict[str, str] = {"confidential": "partial", "highly confidential": "hash"}
REDACTED = "***"
SOURCE = "masked_source"


def normalize_label(label: str | None) -> str | None:
    return " ".join(label.lower().split()) if label and label.strip() else None


@dataclass(frozen=True)
class MaskPlan:
    """What one reader sees of one table: `masks` maps a column to its masking function; with `visible` set,
    any other column not in it (a column the catalog does not know yet, say) is masked with `null` too."""

    table: str
    masks: Mapping[str, str] = field(default_factory=dict)
    visible: frozenset[str] | None = None

    @property
    def clear(self) -> bool:
        return not self.masks and self.visible is None

    @property
    def masked_columns(self) -> list[str]:
        return sorted(self.masks)

    def function_for(self, column: str) -> str | None:
        for name, function in self.masks.items():
            if name.lower() == column.lower():
                return function
        if self.visible is not None and column.lower() not in self.visible:
            return "null"
        return None

    def expressions(self, schema: pa.Schema, salt: str) -> dict[str, str] | None:
        """Column name -> SQL expression for every column of `schema`; None when nothing is masked."""
        functions = {f.name: self.function_for(f.name) for f in schema}
        if all(function is None for function in functions.values()):
            return None
        return {f.name: mask_expression(f, functions[f.name], salt) for f in schema}


def mask_expression(column: pa.Field, function: str | None, salt: str) -> str:
    """SQL for `column` under `function` (None = clear). Non-text columns fall back to NULL of their type."""
    name = exp.column(column.name, quoted=True).sql(dialect="duckdb")
    text = pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
    if function is None:
        return name
    if function == "hash":
        if not salt.isalnum():
            raise ValueError("the masking salt must be alphanumeric")
        return f"CASE WHEN {name} IS NULL THEN NULL ELSE sha256(concat('{salt}', CAST({name} AS VARCHAR))) END"
    if function == "redact" and text:
        return f"CASE WHEN {name} IS NULL THEN NULL ELSE '{REDACTED}' END"
    if function == "partial" and text:
        at = f"strpos({name}, '@')"
        return (
            f"CASE WHEN {name} IS NULL THEN NULL "
            f"WHEN {at} > 1 THEN concat(left({name}, 1), '{REDACTED}', substring({name}, {at})) "
            f"ELSE concat(left({name}, 1), '{REDACTED}') END"
        )
    return f"CASE WHEN FALSE THEN {name} ELSE NULL END"


class BatchMasker:
    """Masks record batches with the plan's SQL in a private, locked-down DuckDB session."""

    def __init__(self, plan: MaskPlan, salt: str) -> None:
        self._plan = plan
        self._salt = salt
        self._engine: EngineSession | None = None

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        columns = self._plan.expressions(batch.schema, self._salt)
        if columns is None:
            return batch
        if self._engine is None:
            self._engine = EngineSession(memory_limit="512MB", threads=1)
        self._engine.register(SOURCE, pa.Table.from_batches([batch], schema=batch.schema), columns=columns)
        table = self._engine.execute(_SelectAll())
        self._engine.unregister(SOURCE)
        batches = table.combine_chunks().to_batches()
        return batches[0] if batches else pa.RecordBatch.from_pylist([], schema=table.schema)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None


@dataclass(frozen=True)
class _SelectAll:
    sql: str = exp.select("*").from_(exp.Table(this=exp.to_identifier(SOURCE, quoted=True))).sql(dialect="duckdb")
    parameters: tuple[object, ...] = ()


def plan_masks(
    table: str,
    labels: Mapping[str, str | None],
    policy: Mapping[str, str],
    *,
    clear_all: bool,
    granted: Callable[[str, bool], bool] | None = None,
) -> MaskPlan:
    """Mask every labelled column the reader was not granted; `granted(column, sensitive)` says if they were.

    A column is sensitive when its label has a masking function in the policy. With `granted` given, only the
    columns it accepts are visible: the others are masked with their label's function, or `null`.
    """
    if clear_all:
        return MaskPlan(table)
    masks: dict[str, str] = {}
    visible: set[str] = set()
    for column, label in labels.items():
        normalized = normalize_label(label)
        function = policy.get(normalized) if normalized else None
        sensitive = function is not None
        if granted is not None and granted(column, sensitive):
            visible.add(column.lower())
        elif sensitive:
            masks[column] = str(function)
        elif granted is None:
            visible.add(column.lower())
        else:
            masks[column] = "null"
    return MaskPlan(table, masks, frozenset(visible) if granted is not None else None)
