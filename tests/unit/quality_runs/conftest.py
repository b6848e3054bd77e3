"""A platform on a frozen clock (set to now, so Delta commit times and the clock agree) with the seed's product."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from lakemesh.core.clock import FrozenClock
from lakemesh.core.settings import Settings
from lakemesh.demo.data import customer_360
from lakemesh.mesh import Mesh
from lakemesh.platform import Platform
from tests.unit.products.seed import CUSTOMER_360

TABLE = ("Sales", "sales_lakehouse", "gold_customer_360")
PRODUCT = ("Sales", "customer-360")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.now(UTC))


@pytest.fixture
def platform(settings: Settings, clock: FrozenClock) -> Iterator[Platform]:
    platform = Platform(settings, clock=clock)
    platform.initialize()
    yield platform
    platform.close()


@pytest.fixture
def mesh(admin: Mesh, clock: FrozenClock) -> Mesh:
    """Sales with the seed's Customer 360 (draft) over 200 clean rows."""
    admin.create_principal("sales-data-team@company.com")
    admin.create_domain("Sales")
    admin.create_lakehouse("Sales", "sales_lakehouse")
    admin.write_table(*TABLE, customer_360(200, now=clock.now()))
    admin.create_product(CUSTOMER_360)
    return admin


def seed(**changes: Any) -> dict[str, Any]:
    document = copy.deepcopy(CUSTOMER_360)
    document.update(changes)
    return document


def rows(clock: FrozenClock, n: int, *, seed: int = 1, **overrides: list[Any]) -> pa.Table:
    """`n` clean Customer 360 rows, with some columns replaced (e.g. lifetime_value=[...])."""
    table = customer_360(n, now=clock.now(), seed=seed)
    table = table.set_column(0, table.schema.field(0), pa.array([f"S{seed}-{i}" for i in range(n)], pa.string()))
    for name, values in overrides.items():
        index = table.schema.get_field_index(name)
        field = table.schema.field(index)
        decimal = pa.types.is_decimal(field.type)
        column = [Decimal(str(v)) if decimal and v is not None else v for v in values]
        table = table.set_column(index, field, pa.array(column, field.type))
    return table
