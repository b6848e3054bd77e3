"""Column masking: which columns a reader sees masked, and the SQL that masks them.

Masks are SQL column expressions over the source row. Governed queries register each table as a view
of these expressions, so the user's SQL never sees a clear value; table reads run the same view over
every batch in a locked-down DuckDB session, so both paths mask identically.

Threat model of `hash` (docs/security.md): a hash mask is HMAC-SHA256 under a key of the owning domain, so
equal values hash equal within the domain (joins between its tables keep working) but a reader cannot build a
dictionary by hashing values they chose in a table they control: that table belongs to another domain and
hashes under another key. Only free text is hashed; numbers, dates, booleans and enum (low-cardinality)
columns have too few plausible values to hide behind any hash and are masked to NULL instead.
"""

from __future__ import annotations

import hashlib
import hmac
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
    scope: str = ""  # the owning domain's id: `hash` masks are keyed per scope

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

    def expressions(self, schema: pa.Schema, key: bytes) -> dict[str, str] | None:
        """Column name -> SQL expression for every column of `schema`; None when nothing is masked.

        `key` is the scope's hash key (`scope_key`); it only matters for columns masked with `hash`.
        """
        functions = {f.name: self.function_for(f.name) for f in schema}
        if all(function is None for function in functions.values()):
            return None
        return {f.name: mask_expression(f, functions[f.name], key) for f in schema}


def scope_key(secret: str, scope: str) -> bytes:
    """The hash-mask key of one scope (an owning domain), derived from the platform's masking secret."""
    return hmac.new(secret.encode(), b"lakemesh hash mask v1\x00" + scope.encode(), hashlib.sha256).digest()


def hmac_sha256_sql(name: str, key: bytes) -> str:
    """HMAC-SHA256 (RFC 2104) of the UTF-8 text in `name` under `key`, as DuckDB SQL giving lower-case hex.

    Written out with sha256 and the two padded keys because DuckDB has no built-in HMAC; the keys are hex
    literals computed here, so no value from a user reaches this SQL.
    """
    block = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\x00")
    inner = bytes(b ^ 0x36 for b in block).hex()
    outer = bytes(b ^ 0x5C for b in block).hex()
    return f"sha256(unhex('{outer}') || unhex(sha256(unhex('{inner}') || encode({name}))))"


def is_text(column: pa.Field) -> bool:
    return bool(pa.types.is_string(column.type) or pa.types.is_large_string(column.type))


def mask_expression(column: pa.Field, function: str | None, key: bytes) -> str:
    """SQL for `column` under `function` (None = clear). Non-text columns fall back to NULL of their type.

    `hash` applies to free text only: a hashed number, date or flag is recovered by hashing every candidate.
    """
    name = exp.column(column.name, quoted=True).sql(dialect="duckdb")
    text = is_text(column)
    if function is None:
        return name
    if function == "hash" and text:
        return f"CASE WHEN {name} IS NULL THEN NULL ELSE {hmac_sha256_sql(name, key)} END"
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

    def __init__(self, plan: MaskPlan, key: bytes) -> None:
        self._plan = plan
        self._key = key
        self._engine: EngineSession | None = None

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        columns = self._plan.expressions(batch.schema, self._key)
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
    scope: str = "",
    low_cardinality: frozenset[str] = frozenset(),
) -> MaskPlan:
    """Mask every labelled column the reader was not granted; `granted(column, sensitive)` says if they were.

    A column is sensitive when its label has a masking function in the policy. With `granted` given, only the
    columns it accepts are visible: the others are masked with their label's function, or `null`.
    Columns in `low_cardinality` (lower case; a contract's `enum`) get `null` where the policy says `hash`.
    """
    if clear_all:
        return MaskPlan(table, scope=scope)
    masks: dict[str, str] = {}
    visible: set[str] = set()
    for column, label in labels.items():
        normalized = normalize_label(label)
        function = policy.get(normalized) if normalized else None
        sensitive = function is not None
        if granted is not None and granted(column, sensitive):
            visible.add(column.lower())
        elif sensitive:
            masks[column] = "null" if function == "hash" and column.lower() in low_cardinality else str(function)
        elif granted is None:
            visible.add(column.lower())
        else:
            masks[column] = "null"
    return MaskPlan(table, masks, frozenset(visible) if granted is not None else None, scope)
