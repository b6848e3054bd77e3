"""The graph walk reads only what it reaches: in a mesh full of unrelated products it returns exactly the nodes
connected to the root, hides the ones the caller may not read, and follows product changes between calls."""

from __future__ import annotations

import copy
import io

import pyarrow as pa
import pytest
from sqlalchemy import select

from lakemesh.catalog.tables.domains import DomainRow
from lakemesh.catalog.tables.products import ProductRow
from lakemesh.core.ids import new_id
from lakemesh.mesh import Mesh
from tests.conftest import user
from tests.unit.pipelines.conftest import ORDERS_CSV, ingest_and_transform

UNRELATED = 300


def product(name: str, table: str, **more: object) -> dict[str, object]:
    return {
        "name": name,
        "domain": "Sales",
        "owner": "admin",
        "contract": {"schema": {"id": {"type": "string"}}},
        "storage": {"type": "lakehouse_table", "lakehouse": "sales_lakehouse", "table": table},
        **more,
    }


def add_unrelated_products(mesh: Mesh, count: int) -> None:
    """Catalog rows like registered products (as an import would write them, without outbox events), each on a
    table of its own that does not exist and reading another unrelated product."""
    with mesh.platform.catalog.transaction() as session:
        template = session.scalar(select(ProductRow).where(ProductRow.slug == "x"))
        domain = session.scalar(select(DomainRow).where(DomainRow.slug == "sales"))
        assert template is not None and domain is not None
        now = mesh.platform.clock.now()
        for index in range(count):
            spec = copy.deepcopy(template.spec) | {"name": f"Noise {index}"}
            spec["input_ports"] = [{"product": f"sales/noise-{(index + 1) % count}"}]
            session.add(
                ProductRow(
                    id=new_id("dp"), domain_id=domain.id, name=spec["name"], slug=f"noise-{index}", owner="admin",
                    status="published", version="1.0.0", spec=spec, table_id=new_id("tbl"), enforcement="block",
                    classification=None, tags=[], description="", created_by="test", created_at=now,
                    updated_at=now, published_at=now, deprecated_at=None, sunset_date=None, revision=1,
                )
            )  # fmt: skip


@pytest.fixture
def mesh(admin: Mesh) -> Mesh:
    """Sales: orders -> silver totals (pipeline); X on gold_x reads the totals; a published and a draft reader."""
    admin.platform.pipelines.scheduling.sleep = lambda _: None
    admin.create_domain_lakehouse("Sales", "sales-steward@company.com")
    admin.upload_file("Sales", "sales_lakehouse", "orders/a.csv", io.BytesIO(ORDERS_CSV))
    admin.apply_pipeline("Sales", ingest_and_transform())
    assert admin.run_pipeline("Sales", "orders").state == "succeeded"
    for table in ("gold_x", "gold_reader", "gold_draft"):
        admin.write_table("Sales", "sales_lakehouse", table, pa.table({"id": ["a"]}))
    admin.create_product(product("X", "gold_x", input_ports=[{"table": "sales_lakehouse.silver_customer_totals"}]))
    admin.publish_product("Sales", "X")
    admin.create_product(product("Reader", "gold_reader", input_ports=[{"product": "sales/x"}]))
    admin.publish_product("Sales", "Reader")
    admin.create_product(product("Draft Reader", "gold_draft", input_ports=[{"product": "sales/x"}]))
    add_unrelated_products(admin, UNRELATED)
    return admin


def test_a_walk_among_many_unrelated_products_returns_exactly_the_connected_nodes(mesh: Mesh) -> None:
    graph = mesh.lineage_graph("product:sales/x", depth=2, direction="both")
    assert {n.id for n in graph.nodes} == {
        "product:sales/x",
        "table:sales.sales_lakehouse.gold_x",
        "table:sales.sales_lakehouse.silver_customer_totals",
        "step:sales/orders/silver",
        "product:sales/reader",
        "product:sales/draft-reader",
        "table:sales.sales_lakehouse.gold_reader",
        "table:sales.sales_lakehouse.gold_draft",
    }
    assert {(e.source, e.target, e.kind) for e in graph.edges} >= {
        ("table:sales.sales_lakehouse.gold_x", "product:sales/x", "serves"),
        ("table:sales.sales_lakehouse.silver_customer_totals", "product:sales/x", "input_port"),
        ("product:sales/x", "product:sales/reader", "input_port"),
        ("product:sales/x", "product:sales/draft-reader", "input_port"),
    }
    # The unrelated products read each other in a ring (noise-N reads noise-N+1): a walk from one stays there.
    noise = mesh.lineage_graph("product:sales/noise-0", depth=2, direction="downstream")
    assert {n.id for n in noise.nodes} == {
        "product:sales/noise-0",
        "product:sales/noise-299",
        "product:sales/noise-298",
    }


def test_an_outsider_sees_only_the_published_products_and_never_walks_through_hidden_ones(mesh: Mesh) -> None:
    outsider = user(mesh, "outsider@company.com")
    graph = outsider.lineage_graph("product:sales/x", depth=3, direction="both")
    assert {n.id for n in graph.nodes} == {"product:sales/x", "product:sales/reader"}
    assert {(e.source, e.target) for e in graph.edges} == {("product:sales/x", "product:sales/reader")}
    impact = outsider.lineage_impact("product:sales/x")
    assert [i.node for i in impact.affected] == ["product:sales/reader"]


def test_a_product_that_starts_or_stops_reading_shows_on_the_next_walk(mesh: Mesh) -> None:
    before = mesh.lineage_graph("product:sales/x", depth=1, direction="downstream")
    assert "product:sales/noise-7" not in {n.id for n in before.nodes}
    mesh.update_product("Sales", "noise-7", input_ports=[{"product": "sales/x"}])
    after = mesh.lineage_graph("product:sales/x", depth=1, direction="downstream")
    assert "product:sales/noise-7" in {n.id for n in after.nodes}
    mesh.delete_product("Sales", "Draft Reader")
    gone = mesh.lineage_graph("product:sales/x", depth=1, direction="downstream")
    assert {n.id for n in gone.nodes} == {"product:sales/x", "product:sales/reader", "product:sales/noise-7"}
