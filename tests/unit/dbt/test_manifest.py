"""What Lakemesh refuses in a dbt manifest before anything runs, and the lineage it records from one."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
import pytest

from lakemesh.core.errors import InvalidInput
from lakemesh.dbt import manifest as manifests
from lakemesh.dbt.build import import_manifest
from lakemesh.mesh import Mesh


def document(models: dict[str, dict[str, Any]], version: str = "v12") -> dict[str, Any]:
    nodes = {
        f"model.shop.{name}": {
            "resource_type": "model",
            "name": name,
            "alias": name,
            "schema": "main",
            "config": {"materialized": spec.get("materialized", "table"), "unique_key": spec.get("unique_key")},
            "depends_on": {"nodes": spec.get("parents", [])},
            "relation_name": f'"shop"."main"."{name}"',
            "compiled_code": spec.get("sql"),
        }
        for name, spec in models.items()
    }
    sources = {
        "source.shop.sales.orders": {
            "source_name": "sales",
            "identifier": "silver_orders",
            "source_meta": {"plugin": "lakemesh", "domain": "Sales", "lakehouse": "sales_lakehouse"},
            "meta": {},
            "relation_name": '"shop"."sales"."silver_orders"',
        }
    }
    metadata = {
        "dbt_schema_version": f"https://schemas.getdbt.com/dbt/manifest/{version}.json",
        "dbt_version": "1.11.0",
        "project_name": "shop",
    }
    return {"metadata": metadata, "nodes": nodes, "sources": sources}


def test_a_view_model_is_refused_with_the_fix() -> None:
    project = manifests.load(document({"daily": {"materialized": "view"}}))
    with pytest.raises(InvalidInput) as refused:
        manifests.check(project)
    assert "model 'daily' is materialized as a view" in str(refused.value)
    assert "materialized='table' or 'incremental'" in str(refused.value)


def test_a_model_name_lakemesh_refuses_is_named() -> None:
    project = manifests.load(document({"bad-name!": {}}))
    with pytest.raises(InvalidInput) as refused:
        manifests.check(project)
    assert "model 'bad-name!'" in str(refused.value)


@pytest.mark.parametrize("version", ["v7", "v99"])
def test_a_manifest_of_another_dbt_version_is_refused_clearly(version: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        manifests.load(document({"orders": {}}, version=version))
    assert f"is dbt manifest schema {version} (dbt 1.11.0)" in str(refused.value)


def test_not_a_manifest_is_refused() -> None:
    with pytest.raises(InvalidInput):
        manifests.load({"hello": "world"})


def test_imported_manifest_links_source_to_models(admin: Mesh, tmp_path: Any) -> None:
    admin.create_domain("Sales")
    path = tmp_path / "manifest.json"
    models = {
        "orders_daily": {"parents": ["source.shop.sales.orders"]},
        "orders_by_customer": {"materialized": "incremental", "parents": ["model.shop.orders_daily"]},
        "scratch": {"materialized": "ephemeral"},
    }
    path.write_text(json.dumps(document(models)))
    assert import_manifest(admin, path, domain="Sales", lakehouse="sales_lakehouse") == 2
    graph = admin.lineage_graph("job:sales/dbt.shop.orders_by_customer")
    ids = {n.id for n in graph.nodes}
    assert "job:sales/dbt.shop.orders_daily" in ids
    assert any(e.target == "job:sales/dbt.shop.orders_daily" and "silver_orders" in e.source for e in graph.edges)


def test_an_imported_manifest_with_compiled_sql_records_column_lineage(admin: Mesh, tmp_path: Any) -> None:
    """A project run elsewhere: its compiled SQL still tells which columns feed which."""
    admin.create_domain("Sales")
    admin.create_lakehouse("Sales", "sales_lakehouse")
    tables = {
        "silver_orders": {"order_date": ["2026-01-01"], "amount": [1.0]},
        "orders_daily": {"order_date": ["2026-01-01"], "revenue": [1.0]},
        "orders_doubled": {"order_date": ["2026-01-01"], "doubled": [2.0]},
    }
    for name, columns in tables.items():
        admin.write_table("Sales", "sales_lakehouse", name, pa.table(columns))
    path = tmp_path / "manifest.json"
    daily = 'select order_date, sum(amount) as revenue from "shop"."sales"."silver_orders" group by order_date'
    ranked = 'select order_date, revenue * 2 as doubled from "shop"."main"."orders_daily"'
    models = {
        "orders_daily": {"parents": ["source.shop.sales.orders"], "sql": daily},
        "orders_doubled": {"parents": ["model.shop.orders_daily"], "sql": ranked},
    }
    path.write_text(json.dumps(document(models)))
    import_manifest(admin, path, domain="Sales", lakehouse="sales_lakehouse")
    impact = admin.lineage_impact("table:sales.sales_lakehouse.silver_orders", column="amount")
    affected = {i.node: i.columns for i in impact.affected}
    assert affected["table:sales.sales_lakehouse.orders_daily"] == ["revenue"]
    assert affected["table:sales.sales_lakehouse.orders_doubled"] == ["doubled"]
    dates = admin.lineage_impact("table:sales.sales_lakehouse.silver_orders", column="order_date")
    assert {i.node: i.columns for i in dates.affected}["table:sales.sales_lakehouse.orders_doubled"] == ["order_date"]
