"""What a profile says about a table and each of its columns."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class ValueCount(BaseModel):
    value: Any
    count: int


class Bucket(BaseModel):
    """One equal-width bin of a numeric or temporal column: `[lower, upper)` (the last bin includes `upper`)."""

    lower: Any
    upper: Any
    count: int


class ColumnProfile(BaseModel):
    """Statistics of one column. `distinct` and `quantiles` are approximate (docs/profiles.md); the rest is exact.

    `withheld` is true when the column is masked for the reader: only counts and the null share are kept.
    """

    name: str
    type: str
    rows: int
    nulls: int
    null_pct: float | None = Field(description="Share of NULLs in percent; None for a table without rows.")
    distinct: int | None = None
    min: Any = None
    max: Any = None
    mean: float | None = None
    stddev: float | None = None
    quantiles: dict[str, float] | None = Field(default=None, description="q25, q50 (median) and q75.")
    min_length: int | None = None
    max_length: int | None = None
    avg_length: float | None = None
    top_values: list[ValueCount] | None = None
    histogram: list[Bucket] | None = None
    withheld: bool = False
    # every value with its count, for a low-cardinality column: kept with the stored profile (never in a
    # response), so an incremental profile adds the appended rows' counts to it exactly
    value_counts: list[tuple[Any, int]] | None = Field(default=None, exclude=True)


class TableProfile(BaseModel):
    table: str
    version: int
    rows: int
    computed_at: datetime
    last_modified: datetime | None = Field(default=None, description="Time of the table's latest commit (freshness).")
    columns: list[ColumnProfile]
    method: Literal["full", "incremental"] = Field(
        default="full",
        description="`incremental`: the previous profile merged with a scan of the files appended since "
        "(docs/profiles.md says which figures are exact).",
    )
    appended_rows: int = Field(default=0, description="Rows appended since the last full profile.")


class ColumnProfilePoint(BaseModel):
    """One column's statistics at one table version: a point of its drift chart."""

    version: int
    computed_at: datetime
    column: ColumnProfile
