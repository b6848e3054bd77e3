"""Impact analysis feeds the products' breaking-change check: the 409 and the version diff name what breaks."""

from __future__ import annotations

import io
from typing import Any

import pytest

from lakemesh.core.errors import Conflict
from lakemesh.mesh import Mesh
from tests.conftest import user
from tests.unit.pipelines.conftest import ORDERS_CSV, ingest_and_transform

ORDERS_SCHEMA = {"order_id": {"type": "bigint"}, "customer_id": {"type": "string"}, "amount": {"type": "double"}}


def product(name: str, domain: str, table: str, **more: Any) -> dict[str, Any]:
    return {
        "name": name,
        "domain": domain,
        "owner": "admin",
        "contract": {"schema": dict(ORDERS_SCHEMA)},
        "storage": {"type": "lakehouse_table", "lakehouse": f"{domain.lower()}_lakehouse", "table": table},
        **more,
    }


@pytest.fixture
def mesh(admin: Mesh) -> Mesh:
    """Sales: a pipeline reads bronze_orders (published as Orders) into silver totals; Big Orders reads Orders."""
    admin.platform.pipelines.scheduling.sleep = lambda _: None
    admin.create_domain_lakehouse("Sales", "sales-steward@company.com")
    admin.upload_file("Sales", "sales_lakehouse", "orders/a.csv", io.BytesIO(ORDERS_CSV))
    admin.apply_pipeline("Sales", ingest_and_transform())
    assert admin.run_pipeline("Sales", "orders").state == "succeeded"
    admin.create_product(product("Orders", "Sales", "bronze_orders"))
    admin.publish_product("Sales", "Orders")
    big = product("Big Orders", "Sales", "bronze_orders", input_ports=[{"product": "sales/orders"}])
    admin.create_product(big)
    admin.publish_product("Sales", "Big Orders")
    return admin


def without(column: str) -> dict[str, Any]:
    return {"schema": {k: v for k, v in ORDERS_SCHEMA.items() if k != column}}


def conflict_on(mesh: Mesh, column: str) -> Conflict:
    with pytest.raises(Conflict) as caught:
        mesh.put_contract("Sales", "Orders", without(column))
    return caught.value


def impacted(error: Conflict) -> dict[str, dict[str, Any]]:
    (item,) = error.errors
    assert item.extra["kind"] == "column-removed"
    return {i["node"]: i for i in item.extra["impacted"]}


def test_removing_a_column_lists_the_pipeline_tables_and_products_that_read_it(mesh: Mesh) -> None:
    error = conflict_on(mesh, "amount")
    found = impacted(error)
    assert found["step:sales/orders/silver"]["kind"] == "step"
    assert found["table:sales.sales_lakehouse.silver_customer_totals"]["columns"] == ["total"]
    assert found["product:sales/big-orders"]["kind"] == "product"
    assert "product:sales/orders" not in found  # the product being changed is not its own consumer
    assert "step:sales/orders/silver" in error.detail and "2.0.0" in error.detail


def test_column_lineage_keeps_tables_that_do_not_use_the_column_out(mesh: Mesh) -> None:
    found = impacted(conflict_on(mesh, "order_id"))
    assert "table:sales.sales_lakehouse.silver_customer_totals" not in found  # silver never reads order_id
    assert {"step:sales/orders/silver", "product:sales/big-orders"} <= set(found)


def test_the_version_diff_carries_the_impact_of_its_breaking_changes(mesh: Mesh) -> None:
    mesh.put_contract("Sales", "Orders", without("amount"), version="2.0.0")
    diff = mesh.diff_versions("Sales", "Orders", "1.0.0", "2.0.0")
    assert diff.breaking
    (change,) = diff.changes
    assert "table:sales.sales_lakehouse.silver_customer_totals" in {i["node"] for i in change.impacted}
    assert {i["node"] for i in diff.impacted} >= {"step:sales/orders/silver", "product:sales/big-orders"}


def test_consumers_the_caller_may_not_see_are_left_out(mesh: Mesh) -> None:
    mesh.create_domain("Finance")
    mesh.create_lakehouse("Finance", "finance_lakehouse")
    ports = [{"product": "sales/orders"}]
    draft = product("Secret Forecast", "Finance", "forecast", input_ports=ports, create_table=True)
    mesh.create_product(draft)  # a draft: only Finance's members know it exists
    assert "product:finance/secret-forecast" in impacted(conflict_on(mesh, "amount"))
    sales_admin = user(mesh, "sales-admin@company.com")
    mesh.add_member("Sales", "sales-admin@company.com", "Admin")
    seen = impacted(conflict_on(sales_admin, "amount"))
    assert "product:finance/secret-forecast" not in seen
    assert "step:sales/orders/silver" in seen


def test_a_non_breaking_change_is_not_refused(mesh: Mesh) -> None:
    contract = {"schema": {**ORDERS_SCHEMA, "amount": {"type": "double", "description": "in EUR"}}}
    assert mesh.put_contract("Sales", "Orders", contract).version != "1.0.0"
