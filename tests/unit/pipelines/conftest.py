"""A Sales domain with `sales_lakehouse` (from the template), a CSV in its Files area, and no-wait retries."""

from __future__ import annotations

import io

import pytest

from lakemesh.mesh import Mesh
from lakemesh.platform import Platform

ORDERS_CSV = b"order_id,customer_id,amount\n1,c1,10.5\n2,c2,20.0\n3,c1,7.25\n"


@pytest.fixture
def sleeps(platform: Platform) -> list[float]:
    """Backoff waits are recorded instead of slept, so retry tests take no time."""
    waits: list[float] = []
    platform.pipelines.scheduling.sleep = waits.append
    return waits


@pytest.fixture
def sales(admin: Mesh, sleeps: list[float]) -> Mesh:
    admin.create_domain_lakehouse("Sales", "sales-steward@company.com", "capacity-id")
    admin.upload_file("Sales", "sales_lakehouse", "orders/2025-01.csv", io.BytesIO(ORDERS_CSV))
    return admin


def ingest_and_transform(name: str = "orders") -> dict[str, object]:
    return {
        "name": name,
        "lakehouse": "sales_lakehouse",
        "steps": [
            {
                "name": "ingest",
                "type": "ingest",
                "source": {"files": "orders/*.csv"},
                "target": {"table": "bronze_orders", "mode": "overwrite"},
            },
            {
                "name": "silver",
                "type": "sql",
                "sql": "select customer_id, sum(amount) as total, count(*) as orders "
                "from bronze_orders group by customer_id order by customer_id",
                "target": {"table": "silver_customer_totals", "mode": "overwrite"},
            },
        ],
    }
