"""Contract enforcement on write: whole-column Arrow compute, never a Python loop over rows."""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from lakemesh.core.errors import ContractViolation, ErrorItem, invalid
from lakemesh.products.contract import ColumnSpec, ContractSpec, casts_to

MAX_EXAMPLES = 5
_INT64_DIGITS = 19


@dataclass(frozen=True)
class Violation:
    """One broken rule on one column, with how many rows break it and a few of them."""

    rule: str
    column: str
    failed_rows: int
    detail: str
    examples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def message(self) -> str:
        return f"{self.failed_rows} row(s) break the {self.rule!r} rule on {self.column!r}: {self.detail}"


def check_batch(
    contract: ContractSpec,
    data: pa.Table,
    *,
    existing_keys: pa.Array | pa.ChunkedArray | Mapping[str, pa.Array | pa.ChunkedArray] | None = None,
) -> list[Violation]:
    """Check a batch about to be written; `existing_keys` are the table's current values of unique columns.

    Types are judged as `conform` would write them: a safe widening (int32 for an integer column) passes.
    A bare array of existing keys is allowed when the contract has exactly one unique column.
    """
    keys = _existing_keys_by_column(contract, existing_keys)
    by_name = {name.lower(): name for name in data.column_names}
    contract_names = [by_name[n.lower()] for n in contract.columns if n.lower() in by_name]
    violations: list[Violation] = []
    for name, column in contract.columns.items():
        actual = by_name.get(name.lower())
        if actual is None:
            detail = "the column is missing from the data"
            violations.append(Violation("missing-column", name, data.num_rows, detail))
            continue
        values = data.column(actual)
        if not casts_to(column.column_type, values.type):
            detail = f"expected {column.column_type}, got {values.type}"
            violations.append(Violation("type", name, data.num_rows, detail))
            if column.required and values.null_count:
                violations.append(_required(data, contract_names, name, values))
            continue
        violations.extend(_value_checks(data, contract_names, name, column, values, keys.get(name)))
    return violations


def _value_checks(
    data: pa.Table,
    shown: list[str],
    name: str,
    column: ColumnSpec,
    values: pa.ChunkedArray,
    existing: pa.Array | pa.ChunkedArray | None,
) -> list[Violation]:
    found: list[Violation] = []
    if pa.types.is_dictionary(values.type):
        values = pc.cast(values, values.type.value_type)
    if column.required and values.null_count:
        found.append(_required(data, shown, name, values))
    if column.enum is not None:
        allowed = pa.array(column.enum, type=pa.string())
        bad = pc.and_(pc.invert(pc.is_in(pc.cast(values, pa.string()), value_set=allowed)), pc.is_valid(values))
        found.extend(_from_mask(data, shown, "enum", name, bad, f"values must be one of {', '.join(column.enum)}"))
    for rule, mask, detail in _constraint_masks(column, values):
        found.extend(_from_mask(data, shown, rule, name, mask, detail))
    if column.unique:
        found.extend(_unique(data, shown, name, values, existing))
    return found


_COMPARISONS = {
    "minimum": (pc.less, "values must be at least"),
    "maximum": (pc.greater, "values must be at most"),
    "exclusive_minimum": (pc.less_equal, "values must be greater than"),
    "exclusive_maximum": (pc.greater_equal, "values must be less than"),
}


def _constraint_masks(column: ColumnSpec, values: pa.ChunkedArray) -> list[tuple[str, Any, str]]:
    """(rule, mask of breaking rows, detail) per property constraint; a null breaks none (that is `required`)."""
    masks: list[tuple[str, Any, str]] = []
    for rule, bound in column.constraints.items():
        if rule in _COMPARISONS:
            compare, wording = _COMPARISONS[rule]
            scalar = pa.scalar(float(bound)) if pa.types.is_floating(values.type) else pa.scalar(bound)
            masks.append((rule, compare(values, scalar), f"{wording} {bound}"))
        elif rule in ("min_length", "max_length"):
            lengths = pc.utf8_length(values)
            too = pc.less(lengths, bound) if rule == "min_length" else pc.greater(lengths, bound)
            size = "at least" if rule == "min_length" else "at most"
            masks.append((rule, too, f"values must be {size} {bound} character(s) long"))
        elif rule == "pattern":
            mask = pc.invert(pc.match_substring_regex(values, bound))
            masks.append((rule, mask, f"values must match the pattern {bound!r}"))
    return masks


def _required(data: pa.Table, shown: list[str], name: str, values: pa.ChunkedArray) -> Violation:
    mask = pc.is_null(values)
    return Violation(
        "required", name, values.null_count, "the column is required but is empty", _examples(data, shown, mask)
    )


def _unique(
    data: pa.Table, shown: list[str], name: str, values: pa.ChunkedArray, existing: pa.Array | pa.ChunkedArray | None
) -> list[Violation]:
    found: list[Violation] = []
    valid = len(values) - values.null_count
    # pc.unique is several times faster than count_distinct on large string columns; it counts null once.
    distinct = len(pc.unique(values)) - (1 if values.null_count else 0)
    if distinct < valid:
        counts = pc.value_counts(pc.drop_null(values))
        repeated = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), 1))
        mask = pc.is_in(values, value_set=repeated)
        detail = f"{valid - distinct} value(s) repeat another row of the batch"
        found.extend(_from_mask(data, shown, "unique", name, mask, detail, failed=valid - distinct))
    if existing is not None and len(existing):
        key_set = pc.cast(existing, values.type) if existing.type != values.type else existing
        mask = pc.and_(pc.is_in(values, value_set=key_set), pc.is_valid(values))
        found.extend(_from_mask(data, shown, "unique", name, mask, "the value is already in the table"))
    return found


def _from_mask(
    data: pa.Table, shown: list[str], rule: str, name: str, mask: Any, detail: str, failed: int | None = None
) -> list[Violation]:
    count = pc.sum(mask).as_py() or 0
    if not count:
        return []
    return [Violation(rule, name, failed if failed is not None else count, detail, _examples(data, shown, mask))]


def _examples(data: pa.Table, shown: list[str], mask: Any) -> list[dict[str, Any]]:
    # Only the first few matching row numbers are taken; examples show the contract's columns only.
    chunked = mask if isinstance(mask, pa.ChunkedArray) else pa.chunked_array([mask])
    indices: list[int] = []
    offset = 0
    for chunk in chunked.chunks:
        if len(indices) >= MAX_EXAMPLES:
            break
        hits = pc.indices_nonzero(pc.fill_null(chunk, False)).slice(0, MAX_EXAMPLES - len(indices))
        indices.extend(offset + i for i in hits.to_pylist())
        offset += len(chunk)
    rows = data.select(shown).take(pa.array(indices, type=pa.int64())).to_pylist()
    return [{key: jsonable(value) for key, value in row.items()} for row in rows]


def jsonable(value: Any) -> Any:
    """Examples travel in problem JSON, so values become JSON types."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def _existing_keys_by_column(
    contract: ContractSpec, keys: pa.Array | pa.ChunkedArray | Mapping[str, pa.Array | pa.ChunkedArray] | None
) -> dict[str, pa.Array | pa.ChunkedArray]:
    if keys is None:
        return {}
    unique = [name for name, column in contract.columns.items() if column.unique]
    if isinstance(keys, Mapping):
        unknown = [k for k in keys if k not in unique]
        if unknown:
            raise invalid("existing_keys", f"{', '.join(unknown)} is not a unique column of the contract")
        return dict(keys)
    if len(unique) != 1:
        raise invalid("existing_keys", "name the unique column the keys belong to (the contract has several or none)")
    return {unique[0]: keys}


def violations_to_error(violations: list[Violation], subject: str = "the data") -> ContractViolation:
    """One ContractViolation with an ErrorItem per violation, ready for a 422 problem response."""
    items = [
        ErrorItem(("data", v.column), v.message, {"rule": v.rule, "failed_rows": v.failed_rows, "examples": v.examples})
        for v in violations
    ]
    rules = sorted({f"{v.rule} on {v.column}" for v in violations})
    return ContractViolation(
        f"{subject} breaks the contract ({len(violations)} violation(s): {', '.join(rules)})", errors=items
    )


def conform(contract: ContractSpec, data: pa.Table) -> pa.Table:
    """Cast contract columns to the contract's Arrow types where that is value-preserving; rename to its spelling.

    Columns that cannot be cast safely are left as they are (check_batch reports them); a value that does not
    fit (an int64 too large for the decimal) raises ContractViolation. Extra columns pass through unchanged.
    """
    by_lower = {name.lower(): name for name in contract.columns}
    arrays: list[pa.ChunkedArray] = []
    fields: list[pa.Field] = []
    for data_field, original in zip(data.schema, data.columns, strict=True):
        name = by_lower.get(data_field.name.lower())
        values = original
        if name is None:
            arrays.append(values)
            fields.append(data_field)
            continue
        column = contract.columns[name]
        target = column.column_type.to_arrow()
        if casts_to(column.column_type, values.type) and values.type != target:
            values = _cast(name, values, target)
        nullable = not (column.required and values.null_count == 0)
        arrays.append(values)
        fields.append(pa.field(name, values.type, nullable=nullable, metadata=data_field.metadata))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields, metadata=data.schema.metadata))


def _cast(name: str, values: pa.ChunkedArray, target: pa.DataType) -> pa.ChunkedArray:
    # Sub-microsecond parts of timestamps are dropped on purpose: the contract promises microseconds.
    options = pc.CastOptions(target, allow_time_truncate=pa.types.is_timestamp(target))
    try:
        if pa.types.is_decimal(target) and pa.types.is_integer(values.type):
            # Arrow sizes integer-to-decimal casts by type, not value: go through a decimal wide enough for any
            # integer, then narrow, which checks each value.
            wide = _INT64_DIGITS + target.scale
            values = pc.cast(
                values, pa.decimal128(wide, target.scale) if wide <= 38 else pa.decimal256(wide, target.scale)
            )
        return pc.cast(values, options=options)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        item = ErrorItem(("data", name), f"cannot convert {values.type} to {target}: {error}", {"rule": "type"})
        raise ContractViolation(f"column {name!r} does not fit the contract type", errors=[item]) from error
