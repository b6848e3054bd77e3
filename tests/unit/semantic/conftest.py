"""Sales owns Customer 360 and the Customer Analytics model; Marketing's analyst is an outsider to Sales."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pytest

from lakemesh.demo.semantic import CUSTOMER_ANALYTICS
from lakemesh.mesh import Mesh
from tests.conftest import user
from tests.unit.access.conftest import customers, product_document


def orders() -> pa.Table:
    return pa.table(
        {
            "order_id": ["o1", "o2", "o3", "o4"],
            "customer_id": ["c1", "c1", "c2", "c4"],
            "amount": pa.array([10.0, 20.0, 5.0, 100.0]),
        }
    )


def model_document() -> dict[str, Any]:
    document = copy.deepcopy(CUSTOMER_ANALYTICS)
    document["tables"][0]["columns"].append({"name": "Email", "source": "email"})
    document["tables"].append({"name": "Orders", "source": {"table": "sales_lakehouse.silver_orders"}})
    document["relationships"] = [{"from": "Orders[customer_id]", "to": "Customers[Customer ID]"}]
    document["measures"].append({"name": "Order Amount", "expression": "SUM(Orders[amount])"})
    return document


@dataclass
class World:
    admin: Mesh
    owner: Mesh  # Sales Admin
    analyst: Mesh  # Marketing Member, no grant yet
    outsider: Mesh


@pytest.fixture
def world(admin: Mesh) -> World:
    owner = user(admin, "sales-data-team@company.com")
    analyst = user(admin, "marketing-analyst@company.com")
    outsider = user(admin, "outsider@company.com")
    admin.create_domain("Sales", display_name="Sales-Domain")
    admin.create_domain("Marketing")
    admin.add_member("Sales", "sales-data-team@company.com", "Admin")
    admin.add_member("Marketing", "marketing-analyst@company.com", "Member")
    admin.create_lakehouse("Sales", "sales_lakehouse")
    admin.write_table("Sales", "sales_lakehouse", "gold_customer_360", customers())
    admin.write_table("Sales", "sales_lakehouse", "silver_orders", orders())
    admin.create_product(product_document())
    admin.publish_product("Sales", "Customer 360")
    owner.put_semantic_model("Sales", model_document())
    return World(admin, owner, analyst, outsider)
