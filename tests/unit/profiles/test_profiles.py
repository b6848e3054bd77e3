"""Profiles: exact counts and bounds, approximate distincts, distributions, masking per reader, history."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from lakemesh.core.errors import InvalidInput, NotFound
from lakemesh.mesh import Mesh
from tests.unit.access.conftest import World, customers, grant_to

TABLE = ("Sales", "sales_lakehouse", "gold_customer_360")


def by_name(profile: object) -> dict[str, object]:
    return {c.name: c for c in profile.columns}  # type: ignore[attr-defined]


def test_counts_nulls_and_bounds_match_a_hand_written_duckdb_computation(world: World) -> None:
    profile = world.owner.profile_table(*TABLE)
    data = customers()
    assert profile.rows == data.num_rows and profile.table == "sales.sales_lakehouse.gold_customer_360"
    assert profile.last_modified is not None
    con = duckdb.connect()
    con.register("t", data)
    for column in by_name(profile).values():
        q = f'"{column.name}"'  # type: ignore[attr-defined]
        nulls, low, high, distinct = con.execute(
            f"SELECT count(*) - count({q}), min({q}), max({q}), count(DISTINCT {q}) FROM t"
        ).fetchone()
        assert column.nulls == nulls and column.min == low and column.max == high  # type: ignore[attr-defined]
        assert abs(column.distinct - distinct) <= max(1, distinct // 10)  # type: ignore[attr-defined]
    names = by_name(profile)["customer_name"]
    assert names.null_pct == pytest.approx(100 / 6, abs=0.01)  # type: ignore[attr-defined]
    value = by_name(profile)["lifetime_value"]
    assert value.mean == pytest.approx(sum([100.0, 250.5, 75.0, 900.0, 10.0, 0.0]) / 6)  # type: ignore[attr-defined]
    assert set(value.quantiles) == {"q25", "q50", "q75"}  # type: ignore[attr-defined]


def test_low_cardinality_columns_get_top_values_and_numbers_a_histogram(world: World) -> None:
    columns = by_name(world.owner.profile_table(*TABLE))
    top = {v.value: v.count for v in columns["segment"].top_values}  # type: ignore[attr-defined]
    assert top == {"Enterprise": 2, "SMB": 2, "Consumer": 2}
    histogram = columns["churn_risk"].histogram  # type: ignore[attr-defined]
    assert len(histogram) == 10 and sum(b.count for b in histogram) == 6
    assert histogram[0].lower == pytest.approx(0.1) and histogram[-1].upper == pytest.approx(0.9)
    assert columns["email"].min_length == 4 and columns["email"].max_length == 13  # type: ignore[attr-defined]


def test_a_grantee_sees_only_counts_of_masked_columns_and_an_outsider_nothing(world: World) -> None:
    world.owner.profile_table(*TABLE)
    with pytest.raises(NotFound):
        world.analyst.get_table_profile(*TABLE)  # no grant yet: as for the table itself
    grant_to(world, world.analyst)
    columns = by_name(world.analyst.get_table_profile(*TABLE))
    for secret in ("email", "customer_name"):
        seen = columns[secret]
        assert seen.withheld and seen.rows == 6  # type: ignore[attr-defined]
        assert seen.min is None and seen.max is None and seen.top_values is None  # type: ignore[attr-defined]
        assert seen.distinct is None and seen.min_length is None  # type: ignore[attr-defined]
    assert not columns["segment"].withheld and columns["segment"].top_values  # type: ignore[attr-defined]
    history = world.analyst.column_profile_history(*TABLE, "email")
    assert history and all(p.column.withheld and p.column.max is None for p in history)
    with pytest.raises(NotFound):
        world.outsider.get_table_profile(*TABLE)


def test_an_empty_table_has_a_defined_profile(admin: Mesh) -> None:
    admin.create_domain("Sales")
    admin.create_lakehouse("Sales", "lh")
    admin.write_table("Sales", "lh", "empty", pa.table({"n": pa.array([], pa.int64()), "s": pa.array([], pa.string())}))
    profile = admin.profile_table("Sales", "lh", "empty")
    assert profile.rows == 0
    for column in profile.columns:
        assert column.nulls == 0 and column.null_pct is None and column.histogram is None and column.top_values is None


def test_history_keeps_each_version_and_the_job_profiles_only_changed_tables(world: World) -> None:
    platform = world.admin.platform
    assert platform.profiles.profile_changed() >= 2  # every table without a profile yet
    assert platform.profiles.profile_changed() == 0  # nothing changed since
    more = customers().slice(0, 2)
    world.owner.write_table(*TABLE, more, mode="append")
    assert platform.profiles.profile_changed() == 1
    points = world.owner.column_profile_history(*TABLE, "segment")
    assert [p.column.rows for p in points[:2]] == [8, 6] and points[0].version > points[1].version
    assert world.owner.get_table_profile(*TABLE).rows == 8
    with pytest.raises(NotFound):
        world.owner.column_profile_history(*TABLE, "no_such_column")
    with pytest.raises(InvalidInput):
        world.owner.column_profile_history(*TABLE, "segment", limit=0)


def test_a_histogram_counts_values_only_not_nulls_in_its_last_bin(admin: Mesh) -> None:
    admin.create_domain("Sales")
    admin.create_lakehouse("Sales", "sales_lakehouse")
    admin.write_table("Sales", "sales_lakehouse", "amounts", pa.table({"amount": [1.0, 2.0, None, None, 10.0]}))
    amount = admin.profile_table("Sales", "sales_lakehouse", "amounts").columns[0]
    assert amount.histogram is not None and amount.nulls == 2
    assert [b.count for b in amount.histogram] == [1, 1, 0, 0, 0, 0, 0, 0, 0, 1]
