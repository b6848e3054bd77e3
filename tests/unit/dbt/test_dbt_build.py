"""`dbt build` of examples/dbt_customer360 against a real home: models become Delta tables through the write path."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from lakemesh.core.errors import InvalidInput
from lakemesh.mesh import Mesh

pytest.importorskip("dbt.adapters.duckdb", reason="dbt-duckdb is the [dbt] extra")

from lakemesh.dbt.build import build


def test_dbt_build_writes_models_as_tables_with_history_and_lineage(home: Path, project: Path) -> None:
    with Mesh.open(home) as mesh:
        result = build(mesh, project, domain="Sales", lakehouse="sales_lakehouse", home=home)
        assert set(result.written) == {"customer_orders", "customer_summary"}
        summary = mesh.read_table("Sales", "sales_lakehouse", "customer_summary").sort_by("customer_id")
        assert summary.column("orders").to_pylist() == [2, 1, 0]
        history = mesh.table_history("Sales", "sales_lakehouse", "customer_summary")
        assert history[0].metadata == {"dbt.model": "model.customer360.customer_summary"}
        graph = mesh.lineage_graph("table:sales.sales_lakehouse.customer_summary", direction="upstream", depth=5)
        ids = {n.id for n in graph.nodes}
        assert {"table:sales.sales_lakehouse.customer_orders", "table:sales.sales_lakehouse.silver_orders"} <= ids
        downstream = mesh.lineage_graph("job:sales/dbt.customer360.customer_summary", direction="downstream")
        assert "product:sales/customer_summary" in {n.id for n in downstream.nodes}


def test_the_contracted_model_becomes_a_product_with_its_tests_as_rules(home: Path, project: Path) -> None:
    with Mesh.open(home) as mesh:
        result = build(mesh, project, domain="Sales", lakehouse="sales_lakehouse", home=home)
        assert result.products == ["Sales/customer_summary"]
        assert result.not_imported == []
        product = mesh.get_product("Sales", "customer_summary")
        assert product.contract["schema"]["orders"]["type"] == "integer"
        rules = {r if isinstance(r, str) else r["condition"] for r in product.quality_rules}
        assert rules == {
            '"customer_id" is not null',
            'unique("customer_id")',
            "\"tier\" is null or \"tier\" in ('gold', 'standard')",
            '"customer_id" references sales.sales_lakehouse.bronze_crm_customers("customer_id")',
        }
        mesh.publish_product("Sales", "customer_summary")
        run = mesh.run_quality("Sales", "customer_summary")
        assert run.status == "passed"
        # the relationships test is a real check: a customer gone from the referenced source fails it
        customers = mesh.read_table("Sales", "sales_lakehouse", "bronze_crm_customers")
        kept = customers.filter(pa.compute.not_equal(customers.column("customer_id"), "C3"))
        mesh.write_table("Sales", "sales_lakehouse", "bronze_crm_customers", kept, mode="overwrite")
        run = mesh.run_quality("Sales", "customer_summary", sample_limit=5)
        failed = [r for r in run.rules if not r.passed]
        assert [(r.check, r.failed_rows) for r in failed] == [("reference", 1)]
        assert failed[0].samples[0]["customer_id"] == "C3"


def test_dbt_column_lineage_is_recorded_and_followed_by_impact(home: Path, project: Path) -> None:
    with Mesh.open(home) as mesh:
        build(mesh, project, domain="Sales", lakehouse="sales_lakehouse", home=home)
        impact = mesh.lineage_impact("table:sales.sales_lakehouse.silver_orders", column="amount")
        affected = {i.node: i.columns for i in impact.affected}
        assert affected["table:sales.sales_lakehouse.customer_orders"] == ["revenue"]
        assert sorted(affected["table:sales.sales_lakehouse.customer_summary"]) == ["revenue", "tier"]
        untouched = mesh.lineage_impact("table:sales.sales_lakehouse.bronze_crm_customers", column="email")
        assert {i.node: i.columns for i in untouched.affected}["table:sales.sales_lakehouse.customer_summary"] == [
            "email"
        ]
        assert "table:sales.sales_lakehouse.customer_orders" not in {i.node for i in untouched.affected}


def test_a_view_model_is_refused_before_anything_is_written(home: Path, project: Path) -> None:
    (project / "models" / "daily.sql").write_text("{{ config(materialized='view') }}\nselect 1 as x\n")
    with Mesh.open(home) as mesh, pytest.raises(InvalidInput) as refused:
        build(mesh, project, domain="Sales", lakehouse="sales_lakehouse", home=home)
    assert "model 'daily' is materialized as a view" in str(refused.value)
    with Mesh.open(home) as mesh:
        assert "customer_orders" not in {t.name for t in mesh.list_tables("Sales", "sales_lakehouse")}
