"""Issue 28.14 in process: `Mesh.create_product` takes an ODCS contract (text or dict) like the remote client."""

from __future__ import annotations

import yaml

from lakemesh.mesh import Mesh
from tests.unit.products.test_product_from_odcs import FULL_V30


def test_the_full_example_creates_a_product_and_lists_what_it_dropped(admin: Mesh) -> None:
    admin.create_principal("daustin")
    admin.create_domain("Seller")
    admin.create_lakehouse("Seller", "payments")
    created = admin.create_product(FULL_V30, lakehouse="payments", create_table=True)
    assert (created.domain, created.name, created.table) == ("seller", "my quantum", "seller.payments.tbl_1")
    assert created.contract["schema"]["rcvr_id"]["required"] is True
    assert "$.schema[0].quality[0]" in {item.path for item in created.not_imported}
    assert admin.read_table("Seller", "payments", "tbl_1").num_rows == 0  # created empty from the contract

    as_dict = admin.create_product(
        yaml.safe_load(FULL_V30), name="Quantum copy", table="tbl_2", lakehouse="payments", create_table=True
    )
    assert as_dict.storage["table"] == "tbl_2" and as_dict.not_imported
