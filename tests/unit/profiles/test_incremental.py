"""Incremental profiles of append-only tables: merged from the previous profile and the appended files only,
equal to a full profile for the exact figures; anything but an append profiles the table in full."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow as pa
import pytest

from lakemesh.mesh import Mesh
from lakemesh.profiles.compute import BINS
from lakemesh.profiles.models import TableProfile

TABLE = ("Sales", "sales_lakehouse", "orders")
EXACT = ("rows", "nulls", "null_pct", "min", "max", "min_length", "max_length", "top_values", "histogram")


def orders(start: int, n: int, *, shift: int = 0) -> pa.Table:
    """`shift` moves the appended amounts and times past the old bounds (the histogram bins widen)."""
    base = datetime(2026, 1, 1, tzinfo=UTC)
    return pa.table(
        {
            "order_id": pa.array([f"O{i:06d}" for i in range(start, start + n)]),
            "segment": pa.array([[None, "SMB", "Enterprise", "Consumer"][i % 4] for i in range(start, start + n)]),
            "amount": pa.array([None if i % 7 == 0 else float(i % 1000) + shift for i in range(start, start + n)]),
            "quantity": pa.array([i % 13 for i in range(start, start + n)], pa.int64()),
            "ordered_at": pa.array(
                [base + timedelta(hours=i % 500 + shift) for i in range(start, start + n)], pa.timestamp("us", tz="UTC")
            ),
            "day": pa.array([date(2026, 1, 1) + timedelta(days=i % 40) for i in range(start, start + n)]),
        }
    )


@pytest.fixture
def sales(admin: Mesh) -> Mesh:
    admin.create_domain("Sales")
    admin.create_lakehouse("Sales", "sales_lakehouse")
    admin.write_table(*TABLE, orders(0, 4000))
    assert admin.profile_table(*TABLE).method == "full"
    return admin


def full(mesh: Mesh) -> TableProfile:
    return mesh.profile_table(*TABLE, full=True)


def figures(profile: TableProfile, names: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    return {c.name: {k: v for k, v in c.model_dump(mode="json").items() if k in names} for c in profile.columns}


@pytest.mark.parametrize("shift", [0, 700], ids=["within-bounds", "past-the-bounds"])
def test_an_append_is_profiled_incrementally_and_matches_a_full_profile(sales: Mesh, shift: int) -> None:
    sales.write_table(*TABLE, orders(4000, 120, shift=shift), mode="append")
    incremental = sales.profile_table(*TABLE)
    assert incremental.method == "incremental" and incremental.appended_rows == 120
    complete = full(sales)
    assert complete.method == "full" and incremental.rows == complete.rows == 4120
    names = EXACT if shift == 0 else tuple(k for k in EXACT if k != "histogram")
    assert figures(incremental, names) == figures(complete, names)
    for ours, theirs in zip(incremental.columns, complete.columns, strict=True):
        for moment in ("mean", "stddev", "avg_length"):
            expected = getattr(theirs, moment)  # None where the figure does not apply to the column's type
            shown = expected if expected is None else pytest.approx(expected, rel=1e-9)
            assert getattr(ours, moment) == shown, (ours.name, moment)
        if theirs.histogram:  # re-binned old rows: each bin within the old rows of the bins it straddles
            assert sum(b.count for b in ours.histogram or []) == pytest.approx(theirs.rows - theirs.nulls, abs=BINS)
        if theirs.distinct is not None:  # documented: off by at most the appended rows' distinct values
            assert abs((ours.distinct or 0) - theirs.distinct) <= 120 + 0.05 * theirs.distinct
        if theirs.quantiles:  # documented: rank error at most the appended share (plus T-Digest's)
            assert ours.quantiles is not None
    by_name = {c.name: c for c in incremental.columns}
    assert by_name["segment"].distinct == 3 and by_name["order_id"].distinct is not None


def test_an_overwrite_or_appending_over_5_percent_profiles_in_full(sales: Mesh) -> None:
    sales.write_table(*TABLE, orders(0, 3000), mode="overwrite")
    assert sales.profile_table(*TABLE).method == "full"
    sales.write_table(*TABLE, orders(3000, 50), mode="append")
    assert sales.profile_table(*TABLE).method == "incremental"
    sales.write_table(*TABLE, orders(5000, 2000), mode="append")  # 40% more: quantiles could move too far
    again = sales.profile_table(*TABLE)
    assert again.method == "full" and again.rows == 5050 and again.appended_rows == 0


def test_the_incremental_profile_is_stored_as_history_and_never_shows_its_value_counts(sales: Mesh) -> None:
    sales.write_table(*TABLE, orders(4000, 40), mode="append")
    sales.profile_table(*TABLE)
    stored = sales.get_table_profile(*TABLE)
    assert stored.method == "incremental" and stored.rows == 4040
    assert [p.column.rows for p in sales.column_profile_history(*TABLE, "segment")] == [4040, 4000]
    assert "value_counts" not in stored.model_dump(mode="json")["columns"][1]
