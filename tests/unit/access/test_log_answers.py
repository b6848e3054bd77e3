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
