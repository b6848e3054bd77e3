"""count(*), min and max over a whole table come from the Delta log, and equal what a scan returns (issue 19)."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from lakemesh.engine.pool import SessionPool
from lakemesh.mesh import Mesh
from tests.unit.access.conftest import TABLE, World, grant_to

ORDERS = "sales.sales_lakehouse.orders"


@pytest.fixture
def orders(world: World) -> Mesh:
    """Three writes (three files), one with a NULL id and one with all dates NULL."""
    admin = world.admin
    first = pa.table({"id": pa.array([5, 9], pa.int64()), "day": pa.array([date(2024, 3, 1), date(2024, 1, 2)])})
    admin.write_table("Sales", "sales_lakehouse", "orders", first)
    admin.write_table(
        "Sales",
        "sales_lakehouse",
        "orders",
        pa.table({"id": pa.array([None, -3], pa.int64()), "day": pa.array([None, None], pa.date32())}),
    )
    admin.write_table(
        "Sales", "sales_lakehouse", "orders", pa.table({"id": pa.array([7], pa.int64()), "day": [date(2025, 1, 1)]})
    )
    return world.owner


def _scanned(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts engine sessions opened, i.e. queries that were not answered from the log."""
    opened: list[int] = []
    original = SessionPool.session

    def counting(self: SessionPool, **kwargs: object) -> object:
        opened.append(1)
        return original(self, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(SessionPool, "session", counting)
    return opened


def test_count_min_and_max_are_answered_from_the_log_as_the_scan_would(
    orders: Mesh, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = _scanned(monkeypatch)
    logged = orders.sql(f"SELECT count(*), min(id), max(id), min(day) AS first_day, MAX(day) AS last_day FROM {ORDERS}")
    assert opened == []
    scanned = orders.sql(
        f"SELECT count(*), min(id), max(id), min(day) AS first_day, MAX(day) AS last_day FROM {ORDERS} WHERE true"
    )
    assert opened == [1]
    assert logged.schema == scanned.schema
    assert logged.to_pylist() == scanned.to_pylist()
    assert logged.to_pylist() == [
        {"count_star()": 5, "min(id)": -3, "max(id)": 9, "first_day": date(2024, 1, 2), "last_day": date(2025, 1, 1)}
    ]


@pytest.mark.parametrize(
    "sql",
    [
        f"SELECT count(*) FROM {ORDERS} WHERE id > 0",
        f"SELECT count(id) FROM {ORDERS}",
        f"SELECT max(day) FROM {ORDERS}",  # DuckDB names it max("day"): not spelled here
        f"SELECT count(*) FROM {ORDERS} GROUP BY day",
        f"SELECT DISTINCT count(*) FROM {ORDERS}",
        f"SELECT count(*) + 1 AS n FROM {ORDERS}",
        f"SELECT count(*) FROM {ORDERS} a JOIN {ORDERS} b ON a.id = b.id",
    ],
)
def test_other_shapes_are_scanned(orders: Mesh, monkeypatch: pytest.MonkeyPatch, sql: str) -> None:
    opened = _scanned(monkeypatch)
    orders.sql(sql)
    assert opened == [1]


def test_masked_columns_are_never_answered_from_the_log(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    grant_to(world, world.analyst)
    opened = _scanned(monkeypatch)
    assert world.analyst.sql(f"SELECT count(*) AS n FROM {TABLE}").column("n").to_pylist() == [6]
    assert opened == []  # a row count is the same masked or not
    result = world.analyst.sql(f"SELECT min(customer_name) AS m FROM {TABLE}").column("m").to_pylist()
    assert opened == [1] and result != ["Ada Lovelace"]


def test_the_log_answer_follows_deletes_updates_and_overwrites(orders: Mesh, monkeypatch: pytest.MonkeyPatch) -> None:
    """After files are removed or rewritten, only the current snapshot's add actions count."""
    world_admin = orders  # the owner is a Sales admin: they may delete and overwrite
    platform = orders.platform
    uri = platform.data_root.table_uri("sales", "sales_lakehouse", "orders")
    whole = f"SELECT count(*) AS n, min(id) AS lo, max(id) AS hi FROM {ORDERS}"
    scan = f"{whole} WHERE true"
    platform.delta.open(uri).delete("id = 9 OR id = -3")  # rewrites two of the three files
    opened = _scanned(monkeypatch)
    assert orders.sql(whole).to_pylist() == orders.sql(scan).to_pylist() == [{"n": 3, "lo": 5, "hi": 7}]
    platform.delta.open(uri).update(updates={"id": "100"}, predicate="id = 7")  # rewrites the file holding 7
    assert orders.sql(whole).to_pylist() == orders.sql(scan).to_pylist() == [{"n": 3, "lo": 5, "hi": 100}]
    world_admin.write_table(
        "Sales",
        "sales_lakehouse",
        "orders",
        pa.table({"id": pa.array([42], pa.int64()), "day": [date(2024, 1, 1)]}),
        mode="overwrite",
    )
    assert orders.sql(whole).to_pylist() == orders.sql(scan).to_pylist() == [{"n": 1, "lo": 42, "hi": 42}]
    assert opened == [1, 1, 1]  # only the three `WHERE true` queries scanned


def test_inexact_statistics_are_never_answered(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Delta truncates string statistics, rounds decimals through floats and timestamps to milliseconds: scan."""
    opened = _scanned(monkeypatch)
    for column in ("email", "lifetime_value", "last_updated"):
        got = world.owner.sql(f"SELECT max({column}) AS m FROM {TABLE}").column("m").to_pylist()
        scanned = world.owner.sql(f"SELECT max({column}) AS m FROM {TABLE} WHERE true").column("m").to_pylist()
        assert got == scanned
    assert len(opened) == 6


def test_a_hidden_table_is_still_not_found(world: World) -> None:
    """The shortcut comes after resolution: a table the caller may not read does not exist for count(*) either."""
    from lakemesh.core.errors import NotFound

    for sql in (f"SELECT count(*) FROM {TABLE}", "SELECT count(*) FROM sales.sales_lakehouse.no_such_table"):
        with pytest.raises(NotFound) as caught:
            world.outsider.sql(sql)
        assert "not found" in str(caught.value)
