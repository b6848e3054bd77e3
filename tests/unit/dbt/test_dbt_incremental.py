"""Incremental models write only this run's rows (dbt's `is_incremental()` + `unique_key`), and a breaking change to
a published product's dbt contract is the product API's 409 with nothing written."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from lakemesh.core.errors import Conflict
from lakemesh.mesh import Mesh

pytest.importorskip("dbt.adapters.duckdb", reason="dbt-duckdb is the [dbt] extra")

from lakemesh.dbt.build import build
from lakemesh.dbt.manifest import load
from lakemesh.dbt.products import contract_of

ORDER_LOG = """{{ config(materialized='incremental') }}
select order_id, customer_id, amount from {{ source('sales', 'silver_orders') }}
{% if is_incremental() %} where order_id not in (select order_id from {{ this }}) {% endif %}
"""


def test_a_second_build_writes_only_new_and_changed_rows(home: Path, project: Path) -> None:
    (project / "models" / "order_log.sql").write_text(ORDER_LOG)  # incremental, no unique_key: appended
    with Mesh.open(home) as mesh:
        first = build(mesh, project, domain="Sales", lakehouse="sales_lakehouse", home=home)
        assert first.written["customer_summary"].rows_written == 3
        assert first.written["order_log"].rows_written == 3
        new_customer = {"customer_id": ["C4"], "full_name": ["Barbara"], "email": ["barbara@x.org"]}
        mesh.write_table("Sales", "sales_lakehouse", "bronze_crm_customers", pa.table(new_customer), mode="append")
        new_order = {"order_id": ["O4"], "customer_id": ["C2"], "amount": [200.0]}
        mesh.write_table("Sales", "sales_lakehouse", "silver_orders", pa.table(new_order), mode="append")

        second = build(mesh, project, domain="Sales", lakehouse="sales_lakehouse", home=home)

        # C2 changed (a second order, now gold), C4 is new; C1 and C3 are not sent again
        assert second.written["customer_summary"].rows_written == 2
        assert second.written["customer_summary"].mode == "merge"
        summary = mesh.read_table("Sales", "sales_lakehouse", "customer_summary").sort_by("customer_id")
        assert summary.column("customer_id").to_pylist() == ["C1", "C2", "C3", "C4"]
        assert summary.column("tier").to_pylist() == ["standard", "gold", "standard", "standard"]
        assert second.written["order_log"].rows_written == 1
        assert second.written["order_log"].mode == "append"
        log = mesh.read_table("Sales", "sales_lakehouse", "order_log")
        assert sorted(log.column("order_id").to_pylist()) == ["O1", "O2", "O3", "O4"]
        third = build(mesh, project, domain="Sales", lakehouse="sales_lakehouse", home=home)
        assert "customer_summary" not in third.written  # nothing changed: nothing written
        assert mesh.read_table("Sales", "sales_lakehouse", "order_log").num_rows == 4


def test_a_breaking_dbt_contract_change_to_a_published_product_is_the_409_and_writes_nothing(
    home: Path, project: Path
) -> None:
    with Mesh.open(home) as mesh:
        build(mesh, project, domain="Sales", lakehouse="sales_lakehouse", home=home)
        mesh.publish_product("Sales", "customer_summary")
        versions = {
            t: mesh.table_history("Sales", "sales_lakehouse", t)[0].version
            for t in ("customer_orders", "customer_summary")
        }
        # the model drops `email` from its SELECT and its contract
        model = project / "models" / "customer_summary.sql"
        model.write_text(model.read_text().replace("    c.email,\n", ""))
        schema = project / "models" / "schema.yml"
        schema.write_text(schema.read_text().replace("      - name: email\n        data_type: varchar\n", ""))

        with pytest.raises(Conflict) as refused:  # a column removed from an incremental model needs a full refresh
            build(mesh, project, domain="Sales", lakehouse="sales_lakehouse", home=home, args=["--full-refresh"])

        new_contract = contract_of(
            load(project / "target" / "manifest.json").models["model.customer360.customer_summary"]
        )
        with pytest.raises(Conflict) as api:
            mesh.put_contract("Sales", "customer_summary", new_contract)
        assert refused.value.detail == api.value.detail
        assert "Breaking change to published product 'customer_summary'" in refused.value.detail
        assert [e.loc for e in refused.value.errors] == [("contract", "schema", "email")]
        for table, version in versions.items():  # nothing written, not even the models the change did not touch
            assert mesh.table_history("Sales", "sales_lakehouse", table)[0].version == version
        assert "email" in mesh.get_product("Sales", "customer_summary").contract["schema"]
