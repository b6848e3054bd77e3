"""Incremental profiles of append-only tables: the previous profile merged with a scan of the appended files.

Exact (equal to a full profile, up to float rounding): rows, nulls and their share, min/max, mean and stddev
(Chan's parallel merge of count, mean and M2 = stddev^2 * (n - 1)), string length min/max/mean, and, for
low-cardinality columns, every value's count (stored with the profile), so top values and their distinct
count. Histograms are exact while appended values stay within the previous bounds; when they widen the bins,
the old rows are spread over the new bins by overlap (uniform within each old bin). Approximate: distinct
counts of other columns (absolute error at most the distinct values among the appended rows) and quantiles
(the previous ones; rank error at most the share of rows appended since the last full profile, plus
T-Digest's). A full profile is computed again once that share passes `MAX_APPENDED_SHARE`.
"""

from __future__ import annotations

import math
import posixpath
from datetime import date, datetime
from typing import Any
from urllib.parse import unquote

import pyarrow as pa

from lakemesh.engine.scan import CompiledQuery
from lakemesh.engine.session import EngineSession
from lakemesh.profiles.compute import (
    BINS,
    LOW_CARDINALITY,
    Histogram,
    buckets,
    column_figures,
    distribution_sql,
    figures_sql,
    kinds,
    scale,
    top_values,
)
from lakemesh.profiles.models import Bucket, ColumnProfile
from lakemesh.storage.delta import DeltaTables

MAX_APPENDED_SHARE = 0.05  # beyond it, quantiles could drift by more than 5% in rank: profile in full
KEY_LIKE = 0.9  # a column whose values were (nearly) all distinct is assumed to get new values on append


def merge_appended(
    engine: EngineSession, relation: str, schema: pa.Schema, previous: list[ColumnProfile], old_rows: int
) -> tuple[int, list[ColumnProfile]]:
    """The merged row count and columns: `relation` holds only the appended rows, `previous` profiled the rest."""
    first = engine.execute(CompiledQuery(figures_sql(relation, schema))).to_pylist()[0]
    added = int(first["n"])
    total = old_rows + added
    merged = [
        _figures(old, column_figures(i, f, first, added), total)
        for i, (f, old) in enumerate(zip(schema, previous, strict=True))
    ]
    wanted: dict[int, str | Histogram] = {}
    for i, field in enumerate(schema):
        how = _plan(field, previous[i], merged[i])
        if how is not None:
            wanted[i] = how
    counted = (
        engine.execute(CompiledQuery(distribution_sql(relation, schema, wanted))).to_pylist()[0]
        if wanted and added
        else {}
    )
    for i, how in wanted.items():
        result = counted.get(f"h{i}")
        appended = _pairs(result)
        if isinstance(how, Histogram):
            merged[i].histogram = _histogram(previous[i], how, dict(appended))
        else:
            _values(merged[i], previous[i], appended)
    return total, merged


def _figures(old: ColumnProfile, new: ColumnProfile, total: int) -> ColumnProfile:
    filled_old, filled_new = old.rows - old.nulls, new.rows - new.nulls
    nulls = old.nulls + new.nulls
    column = ColumnProfile(
        name=new.name,
        type=new.type,
        rows=total,
        nulls=nulls,
        null_pct=round(100.0 * nulls / total, 4) if total else None,
    )
    column.min = _least(_like(old.min, new.min), new.min)
    column.max = _greatest(_like(old.max, new.max), new.max)
    column.mean, column.stddev = _moments(filled_old, old.mean, old.stddev, filled_new, new.mean, new.stddev)
    column.quantiles = old.quantiles if old.quantiles is not None else new.quantiles
    if old.min_length is not None or new.min_length is not None:
        column.min_length = _least(old.min_length, new.min_length)
        column.max_length = _greatest(old.max_length, new.max_length)
        column.avg_length = _weighted(filled_old, old.avg_length, filled_new, new.avg_length)
    if old.distinct is not None or new.distinct is not None:
        d_old, d_new = old.distinct or 0, new.distinct or 0
        key_like = filled_old > 0 and d_old >= KEY_LIKE * filled_old
        column.distinct = min(d_old + d_new, filled_old + filled_new) if key_like else max(d_old, d_new)
    return column


def _moments(
    n_a: int, mean_a: float | None, sd_a: float | None, n_b: int, mean_b: float | None, sd_b: float | None
) -> tuple[float | None, float | None]:
    """Mean and sample stddev of two parts from each part's count, mean and stddev (Chan et al.)."""
    if mean_a is None or n_a == 0:
        return mean_b, sd_b
    if mean_b is None or n_b == 0:
        return mean_a, sd_a
    n = n_a + n_b
    delta = mean_b - mean_a
    m2 = (sd_a or 0.0) ** 2 * (n_a - 1) + (sd_b or 0.0) ** 2 * (n_b - 1) + delta * delta * n_a * n_b / n
    return mean_a + delta * n_b / n, math.sqrt(max(m2, 0.0) / (n - 1)) if n > 1 else None


def _weighted(n_a: int, a: float | None, n_b: int, b: float | None) -> float | None:
    if a is None or n_a == 0:
        return b
    if b is None or n_b == 0:
        return a
    return (a * n_a + b * n_b) / (n_a + n_b)


def _like(stored: Any, fresh: Any) -> Any:
    """A stored (JSON) value back in the type of a freshly scanned one: times come back as ISO text."""
    if isinstance(stored, str) and isinstance(fresh, datetime):
        return datetime.fromisoformat(stored)
    if isinstance(stored, str) and isinstance(fresh, date):
        return date.fromisoformat(stored)
    return stored


def _least(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else min(a, b)


def _greatest(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else max(a, b)


# -- distributions ----------------------------------------------------------------------------------------
def _plan(field: pa.Field, old: ColumnProfile, merged: ColumnProfile) -> str | Histogram | None:
    k = kinds(field)
    if (k.text or k.boolean) and (old.value_counts is not None or old.rows == old.nulls):
        return "top"  # every old value's count is known (none, for a column that was all NULL)
    if (k.numeric or k.temporal) and merged.min is not None and merged.max is not None:
        lower, upper = scale(merged.min), scale(merged.max)
        if upper > lower:
            return Histogram(lower, (upper - lower) / BINS, merged.min if k.temporal else None)
    return None


def _values(column: ColumnProfile, old: ColumnProfile, appended: list[tuple[Any, int]]) -> None:
    counts: dict[Any, int] = dict(old.value_counts or [])
    for value, n in appended:
        counts[value] = counts.get(value, 0) + n
    column.distinct = len(counts)
    if len(counts) <= LOW_CARDINALITY:
        column.value_counts = list(counts.items())
        column.top_values = top_values(column.value_counts)


def _histogram(old: ColumnProfile, how: Histogram, appended: dict[int, int]) -> list[Bucket]:
    """The appended rows' exact bins plus the old rows re-binned: exactly where the bounds did not move."""
    per_bin = {b: float(appended.get(b, 0)) for b in range(BINS)}
    for lower, upper, count in _old_bins(old):
        if upper <= lower:  # a single value: all its rows fall in one bin
            per_bin[_bin(how, lower)] += count
            continue
        for b in range(BINS):
            left, right = how.lower + b * how.width, how.lower + (b + 1) * how.width
            overlap = min(upper, right) - max(lower, left)
            if overlap > 0:
                per_bin[b] += count * overlap / (upper - lower)
    return buckets(how, {b: round(n) for b, n in per_bin.items()})


def _old_bins(old: ColumnProfile) -> list[tuple[float, float, int]]:
    if old.histogram and old.min is not None and old.max is not None:
        # the edges as the full profile drew them (stored bounds of a date column are rounded to days)
        lower, width = _axis(old.min), (_axis(old.max) - _axis(old.min)) / BINS
        return [(lower + b * width, lower + (b + 1) * width, bucket.count) for b, bucket in enumerate(old.histogram)]
    filled = old.rows - old.nulls
    if filled and old.min is not None:  # no histogram: every value was the same
        point = _axis(old.min)
        return [(point, point, filled)]
    return []


def _axis(value: Any) -> float:
    """A stored bound on the histogram's axis (times come back from JSON as ISO text)."""
    if isinstance(value, str):
        value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    return scale(value)


def _bin(how: Histogram, point: float) -> int:
    return max(0, min(BINS - 1, math.floor((point - how.lower) / how.width)))


def _pairs(result: Any) -> list[tuple[Any, int]]:
    if result is None:
        return []
    items = result.items() if isinstance(result, dict) else result
    return [(k, int(v)) for k, v in items]


def missing_state(previous: list[ColumnProfile]) -> bool:
    """A profile stored before value counts were kept: its top values cannot be merged."""
    return any(c.top_values is not None and c.value_counts is None for c in previous)


def appended_since(tables: DeltaTables, uri: str, since: int, version: int) -> set[str] | None:
    """Names of the files added after version `since`, when every commit since was an append (which only adds
    files); None after anything else (an overwrite, delete, merge, optimize or schema change)."""
    commits = [c for c in tables.history(uri, limit=max(version - since, 1)) if c.version > since]
    if len(commits) != version - since:
        return None  # history cleaned up: the commits cannot be checked
    for commit in commits:
        if commit.operation != "WRITE" or str(commit.parameters.get("mode", "")).lower() != "append":
            return None
    old = {
        _name(p) for p in pa.table(tables.open(uri, version=since).get_add_actions(flatten=True))["path"].to_pylist()
    }
    current = {_name(p) for p in pa.table(tables.open(uri).get_add_actions(flatten=True))["path"].to_pylist()}
    if old - current:
        return None
    return current - old


def _name(path: str) -> str:
    return posixpath.basename(unquote(str(path)))
