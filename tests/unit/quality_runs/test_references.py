"""`col references domain.lakehouse.table(col)` rules (dbt's `relationships`): every value must exist in the
referenced column, read through governance as the product's owner; nulls pass."""

from __future__ import annotations

import pyarrow as pa
import pytest

from lakemesh.core.errors import InvalidInput
from lakemesh.mesh import Mesh
from tests.conftest import user

OWNER = "sally@company.com"
RULE = '"customer_id" references sales.crm.customers("id")'


@pytest.fixture
def mesh(admin: Mesh) -> Mesh:
    """Sales/orders (a product owned by Sally) whose customer_id should exist in Sales/crm.customers."""
    user(admin, OWNER)
    for domain, lakehouse in (("Sales", "crm"), ("Sales", "shop"), ("Finance", "ledger")):
        if domain not in {d.name for d in admin.list_domains()}:
            admin.create_domain(domain)
        admin.create_lakehouse(domain, lakehouse)
    admin.add_member("Sales", OWNER, "Admin")
    admin.write_table("Sales", "crm", "customers", pa.table({"id": ["C1", "C2"], "name": ["Ada", "Bo"]}))
    admin.write_table("Finance", "ledger", "accounts", pa.table({"id": ["C1", "C2", "C3"]}))
    orders = pa.table({"order_id": ["O1", "O2", "O3", "O4"], "customer_id": ["C1", "C2", None, "C9"]})
    admin.write_table("Sales", "shop", "orders", orders)
    storage = {"type": "lakehouse_table", "lakehouse": "shop", "table": "orders"}
    contract = {"schema": {"order_id": {"type": "string"}, "customer_id": {"type": "string"}}}
    admin.create_product(
        {"name": "Orders", "domain": "Sales", "owner": OWNER, "contract": contract, "storage": storage}
    )
    return admin


def test_a_value_missing_from_the_referenced_table_fails_the_rule_and_nulls_pass(mesh: Mesh) -> None:
    mesh.update_product("Sales", "Orders", quality_rules=[RULE])
    run = mesh.run_quality("Sales", "Orders", sample_limit=5)
    assert run.status == "failed"
    (rule,) = run.rules
    assert (rule.passed_rows, rule.failed_rows) == (3, 1)
    assert [s["customer_id"] for s in rule.samples] == ["C9"]
    mesh.write_table("Sales", "crm", "customers", pa.table({"id": ["C9"], "name": ["Cy"]}), mode="append")
    assert mesh.run_quality("Sales", "Orders").status == "passed"  # read afresh on every run


def test_the_referenced_table_is_read_as_the_owner_who_may_not_read_another_domain(mesh: Mesh) -> None:
    """The admin may read Finance; the product's owner may not, so the rule cannot run (and reveals nothing)."""
    mesh.update_product("Sales", "Orders", quality_rules=['"customer_id" references finance.ledger.accounts("id")'])
    run = mesh.run_quality("Sales", "Orders")
    assert run.status == "errored"
    assert "finance.ledger.accounts cannot be read as the product's owner 'sally@company.com'" in (run.error or "")


def test_a_masked_referenced_column_is_compared_masked(mesh: Mesh) -> None:
    """Masks apply to the owner's read: with a grant to Finance's accounts, a Confidential key arrives masked."""
    mesh.update_table("Finance", "ledger", "accounts", columns={"id": {"sensitivity_label": "Confidential"}})
    contract = {"schema": {"id": {"type": "string"}}}
    storage = {"type": "lakehouse_table", "lakehouse": "ledger", "table": "accounts"}
    mesh.create_product(
        {"name": "Accounts", "domain": "Finance", "owner": "admin", "contract": contract, "storage": storage}
    )
    mesh.publish_product("Finance", "Accounts")
    owner = mesh.as_principal(mesh.create_token(principal=OWNER).secret)
    mesh.approve_access_request(owner.request_access("finance/accounts", "order checks").id)
    assert "C1" not in owner.read_table("Finance", "ledger", "accounts").column("id").to_pylist()
    mesh.update_product("Sales", "Orders", quality_rules=['"customer_id" references finance.ledger.accounts("id")'])
    (rule,) = mesh.run_quality("Sales", "Orders").rules
    assert rule.failed_rows == 3  # C1, C2 and C9 match no masked key; the null passes


def test_a_malformed_reference_is_refused_when_the_product_is_saved(mesh: Mesh) -> None:
    with pytest.raises(InvalidInput):
        mesh.update_product("Sales", "Orders", quality_rules=['"customer_id" references customers("id")'])
