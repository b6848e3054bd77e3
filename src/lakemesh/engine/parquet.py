"""The FROM clause of a native scan: DuckDB's `read_parquet` over a snapshot's files.

Delta keeps a partitioned table's partition values in its log, not in the files, so a partitioned snapshot is
read as one `read_parquet` per partition (the files sharing its values), each adding its values as typed
constants, joined with `UNION ALL BY NAME`. DuckDB folds a filter on a partition column into each branch and
drops the branches it rules out, so partition pruning is kept; projection and row-group statistics pushdown
apply inside every branch as for a plain table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

import pyarrow as pa
from sqlglot import exp

DIALECT = "duckdb"


class PartitionFiles(Protocol):
    """The files of one partition and its values (column, typed value; None is NULL), as the log gives them."""

    @property
    def files(self) -> Sequence[str]: ...

    @property
    def values(self) -> Sequence[tuple[str, object]]: ...


def duckdb_type(kind: pa.DataType) -> str | None:
    """The DuckDB type of a partition column, or None for a type not read natively (the caller falls back)."""
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return "VARCHAR"
    if pa.types.is_boolean(kind):
        return "BOOLEAN"
    if pa.types.is_date32(kind):
        return "DATE"
    if pa.types.is_timestamp(kind):
        return "TIMESTAMPTZ" if kind.tz is not None else "TIMESTAMP"
    if pa.types.is_decimal(kind):
        return f"DECIMAL({kind.precision}, {kind.scale})"
    named = {
        pa.int8(): "TINYINT",
        pa.int16(): "SMALLINT",
        pa.int32(): "INTEGER",
        pa.int64(): "BIGINT",
        pa.float32(): "FLOAT",
        pa.float64(): "DOUBLE",
    }
    return named.get(kind)


def partition_literal(value: object, kind: str) -> str:
    """`CAST('<value>' AS <kind>)`: the value is the log's, quoted as a string literal, never spliced raw."""
    if value is None:
        return f"CAST(NULL AS {kind})"
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float) and not math.isfinite(value):
        text = "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    elif isinstance(value, datetime | date):
        text = value.isoformat()
    elif isinstance(value, str | int | float | Decimal):
        text = str(value)
    else:
        raise TypeError(f"no SQL literal for a partition value of type {type(value).__name__}")
    return f"CAST({exp.Literal.string(text).sql(dialect=DIALECT)} AS {kind})"


def read_parquet(files: Sequence[str]) -> str:
    """`read_parquet([...], union_by_name = TRUE)`: files written before a column was added read it as NULL."""
    paths = exp.Array(expressions=[exp.Literal.string(path) for path in files])
    union = exp.EQ(this=exp.var("union_by_name"), expression=exp.true())
    return exp.Anonymous(this="read_parquet", expressions=[paths, union]).sql(dialect=DIALECT)


def scan_source(files: Sequence[str], partitions: Sequence[PartitionFiles], types: Mapping[str, str]) -> str:
    """The FROM item reading `files`, or with `partitions` (and each partition column's DuckDB type) their union."""
    if not partitions:
        return read_parquet(files)
    branches = []
    for partition in partitions:
        names = [column for column, _ in partition.values]
        # A writer may also have stored the partition column in the file: the log's value is the one that counts.
        excluded = ", ".join(exp.Literal.string(name.lower()).sql(dialect=DIALECT) for name in names)
        constants = ", ".join(
            f"{partition_literal(value, types[column])} AS {_identifier(column)}" for column, value in partition.values
        )
        branches.append(
            f"SELECT COLUMNS(lambda c: lower(c) NOT IN ({excluded})), {constants} FROM {read_parquet(partition.files)}"
        )
    return "(" + " UNION ALL BY NAME ".join(branches) + ")"


def _identifier(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql(dialect=DIALECT)
