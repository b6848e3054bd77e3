"""A home with the Customer 360 sources in Sales/sales_lakehouse, and a copy of examples/dbt_customer360."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from lakemesh.mesh import Mesh

EXAMPLE = Path(__file__).parents[3] / "examples" / "dbt_customer360"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    with Mesh.open(home) as mesh:
        mesh.create_domain("Sales")
        mesh.create_lakehouse("Sales", "sales_lakehouse")
        customers = {"customer_id": ["C1", "C2", "C3"], "full_name": ["Ada", "Grace", "Linus"]}
        customers["email"] = ["ada@x.org", "grace@x.org", "linus@x.org"]
        mesh.write_table("Sales", "sales_lakehouse", "bronze_crm_customers", pa.table(customers))
        orders = {"order_id": ["O1", "O2", "O3"], "customer_id": ["C1", "C1", "C2"], "amount": [1.0, 2.0, 3.0]}
        mesh.write_table("Sales", "sales_lakehouse", "silver_orders", pa.table(orders))
    return home


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / "project"))
