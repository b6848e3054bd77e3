"""Consumers in lineage: grants, shares and recipients are downstream nodes, shown only to who may see them."""

from __future__ import annotations

from tests.unit.access.conftest import World, grant_to


def test_grants_shares_and_recipients_are_downstream_of_the_product(world: World) -> None:
    grant = grant_to(world, world.analyst)
    world.owner.create_share("partners", "Sales")
    world.owner.add_share_table("partners", "sales_lakehouse", "gold_customer_360")
    world.owner.create_recipient("partners", "acme")
    graph = world.owner.lineage_graph("product:sales/customer-360", direction="downstream", depth=3)
    kinds = {n.id: n.kind for n in graph.nodes}
    assert kinds[f"grant:{grant}"] == "grant"
    edges = {(e.source, e.target, e.kind) for e in graph.edges}
    assert ("product:sales/customer-360", f"grant:{grant}", "grant") in edges
    table = world.owner.lineage_graph("sales.sales_lakehouse.gold_customer_360", direction="downstream", depth=3)
    edges = {(e.source, e.target, e.kind) for e in table.edges}
    assert ("table:sales.sales_lakehouse.gold_customer_360", "share:partners", "share") in edges
    assert ("share:partners", "recipient:partners/acme", "recipient") in edges

    # the grantee sees their own grant, not the producer's share or its recipients
    mine = world.analyst.lineage_graph("product:sales/customer-360", direction="downstream", depth=3)
    seen = {n.id for n in mine.nodes}
    assert f"grant:{grant}" in seen
    assert not {"share:partners", "recipient:partners/acme"} & seen
    # a revoked grant is no consumer any more
    world.owner.revoke_grant(grant)
    after = world.owner.lineage_graph("product:sales/customer-360", direction="downstream", depth=3)
    assert f"grant:{grant}" not in {n.id for n in after.nodes}


def test_outsiders_see_no_consumers(world: World) -> None:
    grant = grant_to(world, world.analyst)
    graph = world.outsider.lineage_graph("product:sales/customer-360", direction="downstream", depth=3)
    assert f"grant:{grant}" not in {n.id for n in graph.nodes}
    assert all(n.kind not in ("grant", "share", "recipient") for n in graph.nodes)
