"""A small mesh on a frozen clock: Sales (from a template) with Customer 360, Marketing, and a few people."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from lakemesh.core.clock import FrozenClock
from lakemesh.core.settings import Settings
from lakemesh.demo.data import customer_360
from lakemesh.mesh import Mesh
from lakemesh.metrics.service import MetricsService
from lakemesh.platform import Platform
from tests.unit.products.seed import CUSTOMER_360

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def platform(settings: Settings, clock: FrozenClock) -> Iterator[Platform]:
    platform = Platform(settings, clock=clock)
    platform.initialize()
    yield platform
    platform.close()


@pytest.fixture
def mesh(admin: Mesh, clock: FrozenClock) -> Mesh:
    """Sales has a template lakehouse and Customer 360 published 5 days after registration; Marketing has a
    plain lakehouse and no products."""
    for name in ("sales-data-team@company.com", "viewer@company.com", "analyst@company.com"):
        admin.create_principal(name)
    admin.create_domain("Sales", display_name="Sales-Domain", description="Sales team's data products")
    admin.create_domain("Marketing")
    admin.add_member("Sales", "sales-data-team@company.com", "Admin")
    admin.add_member("Sales", "viewer@company.com", "Viewer")
    admin.add_member("Marketing", "analyst@company.com", "Contributor")
    admin.create_lakehouse("Sales", "sales_lakehouse", template="domain-lakehouse-template",
                           description="Sales data", data_steward="sales-steward@company.com")  # fmt: skip
    admin.create_lakehouse("Marketing", "marketing_lakehouse")
    admin.write_table("Sales", "sales_lakehouse", "gold_customer_360", customer_360(50, now=START))
    admin.create_product(copy.deepcopy(CUSTOMER_360))
    clock.advance(timedelta(days=5))
    admin.publish_product("Sales", "Customer 360")
    return admin


def as_user(admin: Mesh, name: str) -> Mesh:
    return admin.as_principal(admin.create_token(principal=name).secret)


def draft(admin: Mesh, name: str, **changes: Any) -> None:
    """Another product on the same table, left as a draft."""
    document = {**copy.deepcopy(CUSTOMER_360), "name": name, **changes}
    admin.create_product(document)


def bare_metrics(mesh: Mesh) -> MetricsService:
    """The metrics service as it is before any other capability is installed: no sources, nothing installed."""
    platform = mesh.platform
    return MetricsService(platform.catalog, platform.clock, platform.delta, platform.data_root)
