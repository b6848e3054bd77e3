"""Data products end to end in-process: the seed's document, validation, enforcement, versions, lifecycle."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from lakemesh.core.errors import Conflict, ContractViolation, Forbidden, InvalidInput, NotFound
from lakemesh.demo.data import customer_360
from lakemesh.mesh import Mesh
from tests.conftest import user
from tests.unit.products.seed import CUSTOMER_360

TABLE = ("Sales", "sales_lakehouse", "gold_customer_360")


@pytest.fixture
def mesh(admin: Mesh) -> Mesh:
    admin.create_principal("sales-data-team@company.com")
    admin.create_domain("Sales")
    admin.create_domain("Marketing")
    admin.create_lakehouse("Sales", "sales_lakehouse")
    admin.create_lakehouse("Marketing", "marketing_lakehouse")
    admin.write_table(*TABLE, customer_360(200, now=datetime.now(UTC)))
    return admin


def seed(**changes: Any) -> dict[str, Any]:
    document = copy.deepcopy(CUSTOMER_360)
    document.update(changes)
    return document


def rows(n: int = 2, **overrides: Any) -> pa.Table:
    base = customer_360(n, now=datetime.now(UTC), seed=1)
    for name, values in overrides.items():
        index = base.schema.get_field_index(name)
        base = base.set_column(index, base.schema.field(index), pa.array(values, base.schema.field(index).type))
    return base


def test_the_seed_product_registers_as_written(mesh: Mesh) -> None:
    product = mesh.create_product(CUSTOMER_360)
    assert (product.qualified_name, product.status, product.version) == ("sales/customer-360", "draft", "1.0.0")
    assert product.table == "sales.sales_lakehouse.gold_customer_360"
    assert product.description.startswith("Unified customer view")
    assert mesh.get_product("Sales-Domain", "CUSTOMER 360").id == product.id


def test_every_problem_is_one_entry(mesh: Mesh) -> None:
    document = seed(owner="nobody@nowhere.com")
    document["contract"]["schema"]["loyalty_tier"] = {"type": "string"}
    document["quality_rules"] = ["customer_id is not null", "ghost_column > 1", "1=1; DROP TABLE x"]
    with pytest.raises(InvalidInput) as caught:
        mesh.create_product(document)
    locs = {e.loc for e in caught.value.errors}
    assert ("owner",) in locs
    [owner] = [e.message for e in caught.value.errors if e.loc == ("owner",)]
    assert "`lakemesh principal create nobody@nowhere.com`" in owner  # says how to add one
    assert ("schema", "loyalty_tier") in locs
    assert ("quality_rules", 1) in locs and ("quality_rules", 2) in locs
    assert mesh.list_products() == []


@pytest.mark.parametrize(
    "rule",
    [
        "(select 1) = 1",
        "read_csv('/etc/passwd') is not null",
        "customer_id in (select customer_id from x)",
        "pg_sleep(1)",
    ],
)
def test_hostile_quality_rules_are_refused_on_save(mesh: Mesh, rule: str) -> None:
    with pytest.raises(InvalidInput):
        mesh.create_product(seed(quality_rules=[rule]))


def test_bad_documents(mesh: Mesh) -> None:
    bad_type = seed()
    bad_type["contract"]["schema"]["segment"] = {"type": "varchar2"}
    enum_on_int = seed()
    enum_on_int["contract"]["schema"]["lifetime_value"] = {"type": "integer", "enum": ["1"]}
    other_domain = seed(storage={"type": "lakehouse_table", "lakehouse": "marketing_lakehouse", "table": "t"})
    for document in (bad_type, enum_on_int, other_domain, seed(surprise=True)):
        with pytest.raises(InvalidInput):
            mesh.create_product(document)
    mesh.create_product(CUSTOMER_360)
    with pytest.raises(Conflict):
        mesh.create_product(seed(name="customer 360"))


def test_create_table_from_the_contract(mesh: Mesh) -> None:
    document = seed(
        name="Churn Scores", storage={"type": "lakehouse_table", "lakehouse": "sales_lakehouse", "table": "gold_churn"}
    )
    document["create_table"] = True
    product = mesh.create_product(document)
    info = mesh.get_table("Sales", "sales_lakehouse", "gold_churn")
    assert [c.name for c in info.columns] == list(CUSTOMER_360["contract"]["schema"])
    assert product.status == "draft"


def test_published_contract_is_enforced_on_write(mesh: Mesh) -> None:
    mesh.create_product(CUSTOMER_360)
    mesh.publish_product("Sales", "customer-360")
    before = mesh.get_table(*TABLE).version
    bad = rows(3, segment=["Gold", "SMB", "Platinum"])
    with pytest.raises(ContractViolation) as caught:
        mesh.write_table(*TABLE, bad)
    error = caught.value.errors[0]
    assert error.loc == ("data", "segment") and error.extra["failed_rows"] == 2
    assert len(error.extra["examples"]) == 2
    assert mesh.get_table(*TABLE).version == before
    assert mesh.write_table(*TABLE, rows(3)).rows_written == 3


def test_warn_enforcement_writes_and_reports(mesh: Mesh) -> None:
    mesh.create_product(seed(enforcement="warn"))
    mesh.publish_product("Sales", "customer-360")
    result = mesh.write_table(*TABLE, rows(2, segment=["Gold", "SMB"]))
    assert result.warnings and "enum" in result.warnings[0]
    assert any(e.action == "product.contract_violation" for e in mesh.audit(limit=20))


def test_unique_keys_are_checked_against_the_table(mesh: Mesh) -> None:
    document = seed()
    document["contract"]["schema"]["customer_id"]["unique"] = True
    mesh.create_product(document)
    mesh.publish_product("Sales", "customer-360")
    with pytest.raises(ContractViolation, match="unique"):
        mesh.write_table(*TABLE, rows(1, customer_id=["C0000001"]))
    with pytest.raises(ContractViolation, match="unique"):
        mesh.write_table(*TABLE, rows(2, customer_id=["NEW1", "NEW1"]))
    mesh.write_table(*TABLE, rows(1, customer_id=["NEW2"]))


def test_breaking_change_needs_a_major_version(mesh: Mesh) -> None:
    mesh.create_product(CUSTOMER_360)
    mesh.publish_product("Sales", "customer-360")
    narrower = copy.deepcopy(CUSTOMER_360["contract"])
    narrower["schema"]["segment"]["enum"] = ["Enterprise", "SMB"]
    with pytest.raises(Conflict) as caught:
        mesh.put_contract("Sales", "customer-360", narrower)
    assert caught.value.errors[0].extra["kind"]
    assert mesh.get_product("Sales", "customer-360").version == "1.0.0"
    assert mesh.put_contract("Sales", "customer-360", narrower, version="2.0.0").version == "2.0.0"
    wider = copy.deepcopy(narrower)
    wider["schema"]["segment"]["description"] = "Sales segment"
    assert mesh.put_contract("Sales", "customer-360", wider).version.startswith("2.0.")
    versions = [v.version for v in mesh.list_versions("Sales", "customer-360")]
    assert versions[-1] == "1.0.0" and versions[1] == "2.0.0" and len(versions) == 3
    diff = mesh.diff_versions("Sales", "customer-360", "1.0.0", "2.0.0")
    assert diff.breaking and diff.changes[0].path == "schema.segment.enum"


def test_lifecycle_and_visibility(mesh: Mesh) -> None:
    mesh.create_product(CUSTOMER_360)
    outsider = user(mesh, "mia@company.com")
    mesh.add_member("Marketing", "mia@company.com", "Member")
    with pytest.raises(NotFound):
        outsider.get_product("Sales", "customer-360")
    assert outsider.list_products() == []
    with pytest.raises(Forbidden):
        contributor = user(mesh, "carl@company.com")
        mesh.add_member("Sales", "carl@company.com", "Contributor")
        contributor.publish_product("Sales", "customer-360")
    mesh.publish_product("Sales", "customer-360")
    assert [p.qualified_name for p in outsider.list_products()] == ["sales/customer-360"]
    assert outsider.get_product("Sales", "customer-360").status == "published"
    with pytest.raises(Forbidden):
        outsider.update_product("Sales", "customer-360", description="mine now")
    with pytest.raises(Conflict):
        mesh.delete_product("Sales", "customer-360")
    with pytest.raises(InvalidInput):
        mesh.deprecate_product("Sales", "customer-360", sunset_date="2000-01-01")
    sunset = (datetime.now(UTC) + timedelta(days=90)).date()
    deprecated = mesh.deprecate_product("Sales", "customer-360", sunset_date=sunset, reason="v2 replaces it")
    assert deprecated.status == "deprecated" and deprecated.sunset_date == sunset
    assert any(e.action == "product.deprecated" for e in mesh.audit(limit=10))
    mesh.retire_product("Sales", "customer-360")
    mesh.delete_product("Sales", "customer-360")


def test_bound_table_cannot_be_deleted(mesh: Mesh) -> None:
    mesh.create_product(CUSTOMER_360)
    with pytest.raises(Conflict, match="Customer 360"):
        mesh.delete_table(*TABLE)


def test_odcs_round_trip_through_the_platform(mesh: Mesh) -> None:
    mesh.create_product(CUSTOMER_360)
    text = mesh.get_contract("Sales", "customer-360", format="odcs")
    assert isinstance(text, str) and "apiVersion: v3" in text and "kind: DataContract" in text
    updated = mesh.put_contract("Sales", "customer-360", text)
    assert updated.contract == mesh.get_contract("Sales", "customer-360")
    with pytest.raises(InvalidInput):
        mesh.put_contract("Sales", "customer-360", "apiVersion: v9\nkind: Nope\n")
    with pytest.raises(InvalidInput):
        mesh.put_contract("Sales", "customer-360", "{{{ not yaml")


def test_decimal_values_are_checked_vectorised(mesh: Mesh) -> None:
    mesh.create_product(CUSTOMER_360)
    mesh.publish_product("Sales", "customer-360")
    ok = rows(2, lifetime_value=[Decimal("1.50"), Decimal("2.25")])
    assert mesh.write_table(*TABLE, ok).rows_written == 2
