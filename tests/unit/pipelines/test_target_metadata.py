"""Issue 28.5: a pipeline target sets its table's description, layer and column labels before writing."""

from __future__ import annotations

from lakemesh.mesh import Mesh
from tests.unit.pipelines.conftest import ingest_and_transform


def test_a_described_target_meets_a_blocking_description_policy(sales: Mesh) -> None:
    sales.put_policy(
        {
            "name": "described",
            "scope": "GLOBAL",
            "enforcement": "block",
            "rule": "tables in domain 'Sales' must have description is set",
        }
    )
    pipeline = ingest_and_transform()
    steps = pipeline["steps"]
    assert isinstance(steps, list)
    steps[0]["target"] |= {
        "description": "Orders as delivered",
        "layer": "bronze",
        "columns": {"customer_id": {"sensitivity_label": "Confidential", "description": "Who ordered"}},
    }
    steps[1]["target"] |= {"description": "Totals per customer"}
    sales.apply_pipeline("Sales", pipeline)
    run = sales.run_pipeline("Sales", "orders")
    assert run.state == "succeeded", [line.message for line in sales.run_logs("Sales", "orders", run.id)]
    bronze = sales.get_table("Sales", "sales_lakehouse", "bronze_orders")
    assert (bronze.description, bronze.layer) == ("Orders as delivered", "bronze")
    column = next(c for c in bronze.columns if c.name == "customer_id")
    assert (column.sensitivity_label, column.description) == ("Confidential", "Who ordered")
    assert sales.run_pipeline("Sales", "orders").state == "succeeded"  # existing tables are updated, not re-created


def test_table_update_sets_description_layer_and_retention(sales: Mesh) -> None:
    sales.apply_pipeline("Sales", ingest_and_transform())
    sales.run_pipeline("Sales", "orders")
    info = sales.update_table("Sales", "sales_lakehouse", "silver_customer_totals", description="x", retention_days=30)
    assert (info.description, info.retention_days) == ("x", 30)
