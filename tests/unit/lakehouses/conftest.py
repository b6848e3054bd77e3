from __future__ import annotations

import pyarrow as pa
import pytest

from lakemesh.mesh import Mesh
from tests.conftest import user


@pytest.fixture
def sales(admin: Mesh) -> Mesh:
    """A Sales domain with sales_lakehouse from the seed's template; returns the admin."""
    admin.create_domain("Sales")
    admin.create_lakehouse(
        "Sales",
        "sales_lakehouse",
        description="Sales data",
        data_steward="steward@company.com",
        template="domain-lakehouse-template",
    )
    return admin


@pytest.fixture
def contributor(sales: Mesh) -> Mesh:
    mesh = user(sales, "carol@company.com")
    sales.add_member("Sales", "carol@company.com", "Contributor")
    return mesh


def customers(n: int = 3, start: int = 0) -> pa.Table:
    return pa.table(
        {
            "customer_id": [f"C{i}" for i in range(start, start + n)],
            "segment": ["SMB"] * n,
            "lifetime_value": [float(i) for i in range(n)],
        }
    )
