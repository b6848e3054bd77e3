"""Creates that ask for a new table and then fail (a lost race for the name, a refusal) leave no table behind."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from lakemesh.core.errors import Conflict
from lakemesh.lakehouses.tables import TableHandle
from lakemesh.mesh import Mesh
from lakemesh.platform import Platform
from lakemesh.products.views import DataProduct
from tests.unit.product_service.test_products import seed

RACERS = ("gold_churn_a", "gold_churn_b")


@pytest.fixture
def mesh(admin: Mesh) -> Mesh:
    admin.create_principal("sales-data-team@company.com")
    admin.create_domain("Sales")
    admin.create_lakehouse("Sales", "sales_lakehouse")
    return admin


def churn(table: str) -> dict[str, Any]:
    document = seed(
        name="Churn Scores", storage={"type": "lakehouse_table", "lakehouse": "sales_lakehouse", "table": table}
    )
    document["create_table"] = True
    return document


def tables(mesh: Mesh) -> set[str]:
    return {t.name for t in mesh.list_tables("Sales", "sales_lakehouse")}


def test_two_concurrent_creates_leave_one_product_and_no_orphan_table(
    mesh: Mesh, platform: Platform, pg_catalog_url: str | None
) -> None:
    if pg_catalog_url is None:
        pytest.skip(
            "SQLite takes its write lock at the table's first flush, so two creates cannot be held there at once"
        )
    # Both creates have passed the name check and hold their new tables before either writes its product.
    both_creating = threading.Barrier(len(RACERS), timeout=30)

    def meet(event: str, handle: TableHandle) -> None:
        if event == "created" and handle.table.name in RACERS:
            both_creating.wait()

    platform.tables.register_change_hook(meet)

    def create(table: str) -> str:
        try:
            return str(mesh.create_product(churn(table)).storage["table"])
        except Conflict:
            return "conflict"

    with ThreadPoolExecutor(len(RACERS)) as pool:
        outcomes = sorted(pool.map(create, RACERS))

    assert outcomes.count("conflict") == 1, outcomes
    winner = next(o for o in outcomes if o != "conflict")
    assert tables(mesh) == {winner}, "the losing create removed the table it made"
    assert [p.name for p in mesh.list_products(domain="Sales")] == ["Churn Scores"]


def test_a_create_refused_after_its_table_was_made_removes_the_table(mesh: Mesh, platform: Platform) -> None:
    """The same cleanup on both backends: here the product transaction fails because a lifecycle check refuses."""

    def refuse(event: str, product: DataProduct, spec: Any) -> list[str]:
        if event == "create" and product.name == "Churn Scores":
            raise Conflict("another create of this name won")
        return []

    platform.products.register_lifecycle_check(refuse)
    with pytest.raises(Conflict):
        mesh.create_product(churn(RACERS[0]))
    assert tables(mesh) == set()
    assert mesh.list_products(domain="Sales") == []
    assert any(e.action == "table.deleted" for e in mesh.audit(limit=20))
