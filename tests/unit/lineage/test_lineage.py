"""Lineage: events from pipelines and outside tools, the graph across the mesh, filtered per caller."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pyarrow as pa
import pytest
from sqlalchemy import func, select

from lakemesh.catalog.tables.lineage import LineageEventRow
from lakemesh.core.errors import Forbidden, InvalidInput, NotFound
from lakemesh.mesh import Mesh
from tests.conftest import user
from tests.unit.pipelines.conftest import ORDERS_CSV, ingest_and_transform


def event(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "eventType": "COMPLETE",
        "eventTime": "2025-01-01T06:00:00Z",
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "sales", "name": "dbt.customers"},
        "inputs": [{"namespace": "postgres://crm:5432", "name": "crm.public.customers"}],
        "outputs": [{"namespace": "lakemesh", "name": "sales.sales_lakehouse.bronze_orders"}],
        "producer": "https://github.com/OpenLineage/OpenLineage/tree/1.0.0/client/python",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent",
    }
    body.update(changes)
    return body


@pytest.fixture
def mesh(admin: Mesh) -> Mesh:
    admin.platform.pipelines.scheduling.sleep = lambda _: None
    admin.create_domain_lakehouse("Sales", "sales-steward@company.com")
    admin.upload_file("Sales", "sales_lakehouse", "orders/a.csv", io.BytesIO(ORDERS_CSV))
    admin.apply_pipeline("Sales", ingest_and_transform())
    assert admin.run_pipeline("Sales", "orders").state == "succeeded"
    return admin


def stored_events(mesh: Mesh) -> int:
    with mesh.platform.catalog.read() as session:
        return int(session.scalar(select(func.count()).select_from(LineageEventRow)) or 0)


def test_a_run_emits_start_and_complete_with_schema_and_column_lineage(mesh: Mesh) -> None:
    events = mesh.platform.lineage.events(mesh.principal, job="orders")
    assert [e["eventType"] for e in events] == ["COMPLETE", "START"]
    complete = events[0]
    outputs = {o["name"]: o for o in complete["outputs"]}
    silver = outputs["sales.sales_lakehouse.silver_customer_totals"]
    assert [f["name"] for f in silver["facets"]["schema"]["fields"]] == ["customer_id", "total", "orders"]
    total = silver["facets"]["columnLineage"]["fields"]["total"]["inputFields"]
    assert total == [{"namespace": "lakemesh", "name": "sales.sales_lakehouse.bronze_orders", "field": "amount"}]


def test_the_graph_links_files_pipeline_tables_and_products(mesh: Mesh) -> None:
    mesh.create_product(
        {
            "name": "Customer Totals",
            "domain": "Sales",
            "owner": "admin",
            "contract": {"schema": {"customer_id": {"type": "string"}, "total": {"type": "double"}}},
            "storage": {"type": "lakehouse_table", "lakehouse": "sales_lakehouse", "table": "silver_customer_totals"},
        }
    )
    graph = mesh.lineage_graph("table:sales.sales_lakehouse.bronze_orders", depth=4, direction="downstream")
    edges = {(e.source, e.target, e.kind) for e in graph.edges}
    # each step sits between the tables it read and wrote; the pipeline holds its steps
    assert ("table:sales.sales_lakehouse.bronze_orders", "step:sales/orders/silver", "lineage") in edges
    assert ("step:sales/orders/silver", "table:sales.sales_lakehouse.silver_customer_totals", "lineage") in edges
    assert ("table:sales.sales_lakehouse.bronze_orders", "pipeline:sales/orders", "lineage") not in edges
    steps = mesh.lineage_graph("pipeline:sales/orders", direction="downstream", depth=1)
    assert {(n.id, n.kind) for n in steps.nodes} >= {("step:sales/orders/silver", "step")}
    assert ("table:sales.sales_lakehouse.silver_customer_totals", "product:sales/customer-totals", "serves") in edges
    impact = mesh.lineage_impact("table:sales.sales_lakehouse.bronze_orders", column="amount")
    affected = {i.node: i.columns for i in impact.affected}
    assert affected["table:sales.sales_lakehouse.silver_customer_totals"] == ["total"]
    assert "product:sales/customer-totals" in affected


def test_outside_events_are_stored_and_joined_to_mesh_tables(mesh: Mesh) -> None:
    receipt = mesh.post_lineage(event())
    assert receipt.job == "job:sales/dbt.customers"
    assert "table:sales.sales_lakehouse.bronze_orders" in receipt.nodes
    graph = mesh.lineage_graph("sales.sales_lakehouse.bronze_orders", direction="upstream", depth=2)
    assert "dataset:postgres://crm:5432/crm.public.customers" in {n.id for n in graph.nodes}


@pytest.mark.parametrize(
    "bad",
    [
        {"eventType": "COMPLETE"},
        event(run={"runId": "not-a-uuid"}),
        event(eventTime="yesterday"),
        event(eventTime="2025-01-01T06:00:00"),
        event(eventType="EXPLODED"),
        event(job={"namespace": "", "name": "x"}),
        event(outputs="sales.table"),
        [event()],
    ],
)
def test_malformed_events_are_422_and_nothing_is_stored(mesh: Mesh, bad: Any) -> None:
    before = stored_events(mesh)
    with pytest.raises(InvalidInput):
        mesh.post_lineage(bad)
    assert stored_events(mesh) == before


def test_who_may_post_and_who_sees_what(mesh: Mesh) -> None:
    outsider = user(mesh, "outsider@company.com")
    with pytest.raises(Forbidden):
        outsider.post_lineage(event())  # sales is not theirs
    with pytest.raises(Forbidden):
        outsider.post_lineage(event(job={"namespace": "airflow", "name": "x"}))  # platform level: admins only
    with pytest.raises(NotFound):
        outsider.lineage_graph("table:sales.sales_lakehouse.bronze_orders")
    with pytest.raises(NotFound):
        outsider.lineage_graph("pipeline:sales/orders")
    # A published product is visible; the tables and pipeline behind it are not shown to outsiders.
    mesh.write_table("Sales", "sales_lakehouse", "gold_x", pa.table({"id": ["a"]}))
    mesh.create_product(
        {
            "name": "X",
            "domain": "Sales",
            "owner": "admin",
            "contract": {"schema": {"id": {"type": "string"}}},
            "storage": {"type": "lakehouse_table", "lakehouse": "sales_lakehouse", "table": "gold_x"},
            "input_ports": [{"table": "sales_lakehouse.silver_customer_totals"}],
        }
    )
    mesh.publish_product("Sales", "X")
    seen = outsider.lineage_graph("product:sales/x", direction="upstream")
    assert [n.id for n in seen.nodes] == ["product:sales/x"] and seen.edges == []
    full = mesh.lineage_graph("product:sales/x", direction="upstream")
    assert {"table:sales.sales_lakehouse.gold_x", "table:sales.sales_lakehouse.silver_customer_totals"} <= {
        n.id for n in full.nodes
    }


def test_bad_graph_queries(mesh: Mesh) -> None:
    with pytest.raises(InvalidInput):
        mesh.lineage_graph("just-a-name")
    with pytest.raises(InvalidInput):
        mesh.lineage_graph("pipeline:sales/orders", depth=0)
    with pytest.raises(NotFound):
        mesh.lineage_graph("table:sales.sales_lakehouse.nothing")


def test_a_job_whose_events_name_no_datasets_is_a_graph_node(mesh: Mesh) -> None:
    receipt = mesh.post_lineage(event(inputs=[], outputs=[], job={"namespace": "sales", "name": "nightly.cleanup"}))
    graph = mesh.lineage_graph(receipt.job)
    assert [(n.id, n.kind) for n in graph.nodes] == [("job:sales/nightly.cleanup", "job")] and graph.edges == []
    with pytest.raises(NotFound):  # readers of other domains still do not see it
        user(mesh, "outsider@company.com").lineage_graph(receipt.job)
    with pytest.raises(NotFound):
        mesh.lineage_graph("job:sales/never.ran")
