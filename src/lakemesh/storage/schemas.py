"""How incoming data's schema lines up with a Delta table's: what can be cast safely, what must be refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from lakemesh.core.errors import ErrorItem, InvalidInput
from lakemesh.storage.types import type_name


def delta_schema(schema: pa.Schema) -> pa.Schema:
    """Delta stores microsecond timestamps; unsigned integers become the next signed width."""
    return pa.schema([field.with_type(_delta_type(field.type)) for field in schema], metadata=schema.metadata)


def _delta_type(data_type: pa.DataType) -> pa.DataType:
    if pa.types.is_timestamp(data_type) and data_type.unit != "us":
        return pa.timestamp("us", tz=data_type.tz)
    widened = {pa.uint8(): pa.int16(), pa.uint16(): pa.int32(), pa.uint32(): pa.int64(), pa.uint64(): pa.int64()}
    return widened.get(data_type, data_type)


def safe_cast(source: pa.DataType, target: pa.DataType) -> bool:
    """True when every value of `source` fits `target` without loss of meaning."""
    return bool(_fits(source, target))


def _fits(source: pa.DataType, target: pa.DataType) -> Any:
    if source == target:
        return True
    for group in (pa.types.is_string, pa.types.is_large_string):
        if group(source) and (pa.types.is_string(target) or pa.types.is_large_string(target)):
            return True
    if pa.types.is_integer(source):
        if pa.types.is_integer(target):
            return _integer_fits(source, target)
        return pa.types.is_floating(target) or pa.types.is_decimal(target)
    if pa.types.is_floating(source) and pa.types.is_floating(target):
        return target.bit_width >= source.bit_width
    if pa.types.is_decimal(source) and pa.types.is_decimal(target):
        return target.scale >= source.scale and target.precision - target.scale >= source.precision - source.scale
    if pa.types.is_timestamp(source) and pa.types.is_timestamp(target):
        return (source.tz is None) == (target.tz is None) or source.tz is None
    if pa.types.is_date(source) and pa.types.is_date(target):
        return True
    return pa.types.is_null(source)


def _integer_fits(source: pa.DataType, target: pa.DataType) -> Any:
    if pa.types.is_unsigned_integer(source):
        wider = target.bit_width > source.bit_width or pa.types.is_unsigned_integer(target)
        return wider and target.bit_width >= source.bit_width
    return pa.types.is_signed_integer(target) and target.bit_width >= source.bit_width


def compare(incoming: pa.Schema, table: pa.Schema) -> tuple[list[ErrorItem], pa.Schema]:
    """Each column difference that cannot be reconciled, and the schema incoming data is cast to."""
    errors: list[ErrorItem] = []
    by_name = {f.name.lower(): f for f in incoming}
    table_names = {f.name.lower() for f in table}
    for field in incoming:
        if field.name.lower() not in table_names:
            errors.append(
                ErrorItem(("data", field.name), "is not a column of the table; write with schema_mode=merge to add it")
            )
    for field in table:
        given = by_name.get(field.name.lower())
        if given is None:
            if not field.nullable:
                errors.append(ErrorItem(("data", field.name), "is missing and the column does not allow nulls"))
        elif not safe_cast(given.type, field.type):
            errors.append(
                ErrorItem(
                    ("data", field.name),
                    f"has type {type_name(given.type)} but the table column is {type_name(field.type)}",
                    {"table_type": type_name(field.type), "data_type": type_name(given.type)},
                )
            )
    return errors, table


def conform(batches: Iterator[pa.RecordBatch], incoming: pa.Schema, target: pa.Schema) -> Iterator[pa.RecordBatch]:
    """Reorder, cast and fill missing nullable columns so each batch has exactly the table's schema."""
    lookup = {f.name.lower(): i for i, f in enumerate(incoming)}
    identical = incoming == target
    required = [f.name for f in target if not f.nullable]
    for batch in batches:
        _check_required(batch, required)
        if identical:
            yield batch
            continue
        arrays = []
        for field in target:
            index = lookup.get(field.name.lower())
            if index is None:
                arrays.append(pa.nulls(batch.num_rows, field.type))
            else:
                column = batch.column(index)
                arrays.append(column if column.type == field.type else column.cast(field.type))
        yield pa.RecordBatch.from_arrays(arrays, schema=target)


def _check_required(batch: pa.RecordBatch, required: list[str]) -> None:
    names = {n.lower(): i for i, n in enumerate(batch.schema.names)}
    errors = [
        ErrorItem(
            ("data", name), f"{batch.column(names[name.lower()]).null_count} row(s) are null; the column is NOT NULL"
        )
        for name in required
        if name.lower() in names and batch.column(names[name.lower()]).null_count
    ]
    if errors:
        raise InvalidInput("The data has nulls in NOT NULL columns; nothing was written", errors=errors)
