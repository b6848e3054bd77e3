"""Semantic models are nodes of the lineage graph, downstream of the products and tables they read."""

from __future__ import annotations

from tests.unit.semantic.conftest import World


def test_a_model_appears_downstream_of_its_sources(world: World) -> None:
    graph = world.owner.lineage_graph("product:sales/customer-360", direction="downstream")
    model = "semantic_model:sales/customer-analytics"
    assert model in {n.id for n in graph.nodes}
    assert any(e.source == "product:sales/customer-360" and e.target == model for e in graph.edges)
    orders = world.owner.lineage_graph("table:sales.sales_lakehouse.silver_orders", direction="downstream")
    assert model in {n.id for n in orders.nodes}
    upstream = world.owner.lineage_graph(model, direction="upstream")
    assert "product:sales/customer-360" in {n.id for n in upstream.nodes}


def test_outsiders_do_not_see_the_model_in_lineage(world: World) -> None:
    graph = world.outsider.lineage_graph("product:sales/customer-360", direction="downstream")
    assert all(n.kind != "semantic_model" for n in graph.nodes)
