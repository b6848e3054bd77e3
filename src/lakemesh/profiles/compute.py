"""Profiling SQL: every column's figures in one aggregate scan, then one bounded pass for distributions.

The first query returns, for all columns at once, the exact counts, nulls, min/max, mean/stddev and string
lengths, and the approximate distinct counts (HyperLogLog) and quantiles (T-Digest). The second query, run only
when some column needs it, builds top-k value counts for low-cardinality columns and equal-width histograms for
numbers and times, using the bounds the first one found. Both are built from quoted identifiers and numeric
literals only; no user text reaches the SQL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
from sqlglot import exp

from lakemesh.engine.scan import CompiledQuery
from lakemesh.engine.session import EngineSession
from lakemesh.profiles.models import Bucket, ColumnProfile, ValueCount

DIALECT = "duckdb"
TOP_K = 10
LOW_CARDINALITY = 50  # columns with at most this many (approximate) distinct values get top-k counts
BINS = 10
QUANTILES = {"q25": 0.25, "q50": 0.5, "q75": 0.75}


@dataclass(frozen=True)
class Kinds:
    numeric: bool
    temporal: bool
    text: bool
    boolean: bool

    @property
    def scalar(self) -> bool:
        return self.numeric or self.temporal or self.text or self.boolean


def kinds(field: pa.Field) -> Kinds:
    t = field.type
    return Kinds(
        numeric=pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t),
        temporal=pa.types.is_timestamp(t) or pa.types.is_date(t),
        text=pa.types.is_string(t) or pa.types.is_large_string(t),
        boolean=pa.types.is_boolean(t),
    )


def profile_relation(engine: EngineSession, relation: str, schema: pa.Schema) -> tuple[int, list[ColumnProfile]]:
    """The row count and a profile of every column of `relation` (whose columns are `schema`)."""
    first = engine.execute(CompiledQuery(figures_sql(relation, schema))).to_pylist()[0]
    rows = int(first["n"])
    columns = [column_figures(i, field, first, rows) for i, field in enumerate(schema)]
    wanted = {i: how for i, field in enumerate(schema) if (how := _distribution(field, columns[i])) is not None}
    if wanted and rows:
        second = engine.execute(CompiledQuery(distribution_sql(relation, schema, wanted))).to_pylist()[0]
        for i, how in wanted.items():
            add_distribution(columns[i], how, second[f"h{i}"])
    return rows, columns


# -- the figures scan ----------------------------------------------------------------------------------
def _q(name: str) -> str:
    return exp.column(name, quoted=True).sql(dialect=DIALECT)


def figures_sql(relation: str, schema: pa.Schema) -> str:
    parts = ["count(*) AS n"]
    for i, field in enumerate(schema):
        q, k = _q(field.name), kinds(field)
        parts.append(f"count({q}) AS c{i}_n")
        if not k.scalar:
            continue
        parts.append(f"approx_count_distinct({q}) AS c{i}_d")
        if k.numeric or k.temporal or k.text:
            parts += [f"min({q}) AS c{i}_min", f"max({q}) AS c{i}_max"]
        if k.numeric:
            levels = ", ".join(str(v) for v in QUANTILES.values())
            parts += [
                f"avg({q}::DOUBLE) AS c{i}_mean",
                f"stddev_samp({q}::DOUBLE) AS c{i}_sd",
                f"approx_quantile({q}::DOUBLE, [{levels}]) AS c{i}_qs",
            ]
        if k.text:
            parts += [
                f"min(length({q})) AS c{i}_lmin",
                f"max(length({q})) AS c{i}_lmax",
                f"avg(length({q})) AS c{i}_lavg",
            ]
    return f"SELECT {', '.join(parts)} FROM {exp.to_identifier(relation, quoted=True).sql(dialect=DIALECT)}"


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def column_figures(i: int, field: pa.Field, row: dict[str, Any], rows: int) -> ColumnProfile:
    filled = int(row[f"c{i}_n"])
    profile = ColumnProfile(
        name=field.name,
        type=str(field.type),
        rows=rows,
        nulls=rows - filled,
        null_pct=round(100.0 * (rows - filled) / rows, 4) if rows else None,
        distinct=min(int(row[f"c{i}_d"]), filled) if f"c{i}_d" in row else None,
    )
    profile.min, profile.max = _plain(row.get(f"c{i}_min")), _plain(row.get(f"c{i}_max"))
    profile.mean, profile.stddev = _number(row.get(f"c{i}_mean")), _number(row.get(f"c{i}_sd"))
    levels = row.get(f"c{i}_qs")
    if levels is not None:
        profile.quantiles = {k: float(v) for k, v in zip(QUANTILES, levels, strict=True) if v is not None}
    if f"c{i}_lmin" in row and row[f"c{i}_lmin"] is not None:
        profile.min_length, profile.max_length = int(row[f"c{i}_lmin"]), int(row[f"c{i}_lmax"])
        profile.avg_length = _number(row[f"c{i}_lavg"])
    return profile


def _plain(value: Any) -> Any:
    """JSON-friendly: decimals as floats (profiles describe, they do not account)."""
    return float(value) if isinstance(value, Decimal) else value


# -- the distributions pass ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Histogram:
    lower: float
    width: float
    temporal: Any  # for a date or time column, its minimum: bin bounds are returned in its type and zone


def _distribution(field: pa.Field, column: ColumnProfile) -> str | Histogram | None:
    k = kinds(field)
    if (k.text or k.boolean) and column.distinct is not None and 0 < column.distinct <= LOW_CARDINALITY:
        return "top"
    if (k.numeric or k.temporal) and column.min is not None and column.max is not None:
        lower, upper = scale(column.min), scale(column.max)
        if upper > lower:
            return Histogram(lower, (upper - lower) / BINS, column.min if k.temporal else None)
    return None


def scale(value: Any) -> float:
    """Numbers as they are, times as epoch seconds (the histogram's axis)."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    if isinstance(value, date):
        return float((value - date(1970, 1, 1)).days * 86_400)
    return float(value)


def distribution_sql(relation: str, schema: pa.Schema, wanted: dict[int, str | Histogram]) -> str:
    parts = []
    for i, how in wanted.items():
        q = _q(schema[i].name)
        if isinstance(how, Histogram):
            axis = f"epoch({q})" if kinds(schema[i]).temporal else f"{q}::DOUBLE"
            lower, width = repr(how.lower), repr(how.width)
            # FILTER: least() skips NULLs, so without it every NULL was counted in the last bin
            bin_of = f"least(floor(({axis} - {lower}) / {width})::BIGINT, {BINS - 1})"
            parts.append(f"histogram({bin_of}) FILTER (WHERE {q} IS NOT NULL) AS h{i}")
        else:
            parts.append(f"histogram({q}) AS h{i}")
    return f"SELECT {', '.join(parts)} FROM {exp.to_identifier(relation, quoted=True).sql(dialect=DIALECT)}"


def top_values(counts: list[tuple[Any, int]]) -> list[ValueCount]:
    ranked = sorted(counts, key=lambda kv: (-kv[1], str(kv[0])))[:TOP_K]
    return [ValueCount(value=_plain(v), count=n) for v, n in ranked]


def _pairs(result: Any) -> list[tuple[Any, int]]:
    if result is None:
        return []
    items = result.items() if isinstance(result, dict) else result
    return [(k, int(v)) for k, v in items]


def add_distribution(column: ColumnProfile, how: str | Histogram, result: Any) -> None:
    counts = _pairs(result)
    if not isinstance(how, Histogram):
        column.top_values = top_values(counts)
        column.value_counts = counts  # every value (at most LOW_CARDINALITY): what an append adds to
        return
    column.histogram = buckets(how, dict(counts))


def buckets(how: Histogram, per_bin: dict[int, int]) -> list[Bucket]:
    """The histogram's bins from counts by bin number."""
    return [
        Bucket(
            lower=_unscale(how.lower + b * how.width, how.temporal),
            upper=_unscale(how.lower + (b + 1) * how.width, how.temporal),
            count=per_bin.get(b, 0),
        )
        for b in range(BINS)
    ]


def _unscale(value: float, temporal: Any) -> Any:
    if isinstance(temporal, datetime):
        moment = datetime.fromtimestamp(value, UTC)
        return moment.astimezone(temporal.tzinfo) if temporal.tzinfo else moment.replace(tzinfo=None)
    if isinstance(temporal, date):
        return date(1970, 1, 1) + timedelta(seconds=value)
    return value
