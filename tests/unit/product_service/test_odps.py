"""Issue 24.5 in process: products out to and in from the Open Data Product Specification v4.1."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

import jsonschema
import pyarrow as pa
import pytest
import yaml

from lakemesh.core.errors import InvalidInput
from lakemesh.demo.data import customer_360
from lakemesh.mesh import Mesh
from tests.unit.products.seed import CUSTOMER_360

FIXTURE = Path(__file__).parents[1] / "products" / "fixtures" / "odps-v4.1-urbanpulse-basic.yml"
SCHEMA = json.loads(files("lakemesh.products").joinpath("schemas/odps-v4.1.schema.json").read_text())
KEPT = (
    "name",
    "owner",
    "description",
    "contract",
    "storage",
    "quality_rules",
    "tags",
    "classification",
    "documentation_url",
    "data_steward",
    "input_ports",
    "output_ports",
    "enforcement",
    "usage_terms",
)


@pytest.fixture
def mesh(admin: Mesh) -> Mesh:
    admin.create_principal("sales-data-team@company.com")
    admin.create_domain("Sales")
    admin.create_lakehouse("Sales", "sales_lakehouse")
    admin.write_table("Sales", "sales_lakehouse", "gold_customer_360", customer_360(20, now=datetime.now(UTC)))
    admin.create_product(copy.deepcopy(CUSTOMER_360) | {"usage_terms": ["No re-sharing outside your domain"]})
    return admin


def test_the_seed_product_exports_as_valid_odps_4_1(mesh: Mesh) -> None:
    document = mesh.export_product_odps("Sales", "Customer 360")
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    details = document["product"]["details"]["en"]
    assert (details["name"], details["productID"], details["status"]) == ("Customer 360", "sales/customer-360", "draft")
    assert document["product"]["contract"]["spec"]["kind"] == "DataContract"
    assert document["product"]["dataHolder"]["businessDomain"] == "sales"


def test_round_trip_keeps_what_odps_holds(mesh: Mesh) -> None:
    original = mesh.get_product("Sales", "Customer 360")
    document = mesh.export_product_odps("Sales", "Customer 360")
    mesh.delete_product("Sales", "Customer 360")
    again = mesh.create_product(yaml.safe_dump(document))  # as a user would: the YAML file back
    for field in KEPT:
        assert getattr(again, field) == getattr(original, field), field
    assert again.not_imported == []


def test_a_third_party_example_from_the_standard_imports(mesh: Mesh) -> None:
    text = FIXTURE.read_text()
    mesh.create_domain("City")
    mesh.create_lakehouse("City", "events")
    mesh.create_principal("contact@mindmote.fi")  # the data holder's email becomes the owner
    # The example links its contract (contractURL): the product takes its columns from the table it is bound to
    events = pa.table({"event_id": ["e1"], "title": ["Jazz night"], "starts": pa.array([1], pa.timestamp("us"))})
    mesh.write_table("City", "events", "urbanpulse", events)
    created = mesh.create_product(text, domain="City", lakehouse="events", table="urbanpulse")
    assert (created.name, created.domain, created.status) == ("UrbanPulse Events", "city", "draft")
    assert created.owner == "contact@mindmote.fi"
    assert "smartcity" in created.tags and created.description.startswith("UrbanPulse Events is")
    assert {item.path for item in created.not_imported} >= {"product.SLA", "product.dataQuality", "product.license"}
    assert set(created.contract["schema"]) == {"event_id", "title", "starts"}
    assert created.contract["schema"]["starts"]["type"] == "timestamp"


def test_without_a_contract_or_a_table_the_import_says_what_is_missing(mesh: Mesh) -> None:
    mesh.create_domain("City")
    with pytest.raises(InvalidInput, match="no ODCS contract inline"):
        mesh.create_product(FIXTURE.read_text(), domain="City")


@pytest.mark.parametrize(
    "document",
    [
        {"schema": "x", "version": "4.1", "product": {"details": {"en": {"name": "n"}}}},
        {"schema": "https://opendataproducts.org/v4.1/schema/odps.json", "version": 4.1, "product": {}},
        {"version": "4.1", "product": {"details": "nope"}, "surprise": True},
    ],
)
def test_invalid_documents_are_refused_listing_each_error(mesh: Mesh, document: dict[str, object]) -> None:
    with pytest.raises(InvalidInput) as refused:
        mesh.create_product(document, domain="Sales")
    assert "not valid ODPS 4.1" in str(refused.value) and len(refused.value.errors) >= 1


def test_a_bad_inline_contract_is_located_in_the_odps_document(mesh: Mesh) -> None:
    document = mesh.export_product_odps("Sales", "Customer 360")
    document["product"]["contract"]["spec"]["apiVersion"] = "v9"
    with pytest.raises(InvalidInput) as refused:
        mesh.create_product(document, name="Other")
    assert refused.value.errors[0].loc == ("product", "contract", "spec", "apiVersion")


def test_hostile_odps_documents_are_refused_and_bounded(mesh: Mesh) -> None:
    letters = "abcdefghijklmnopqrstuvwxyz"
    many = {a + b: {"name": 1} for a in letters for b in letters}  # 676 bad languages: the 422 lists 20
    hostile: list[object] = [
        {"schema": "s", "version": "4.1", "product": "not a mapping"},
        {"schema": "s", "version": "4.1", "product": {"details": many}},
        "product:\n  details: &a [*a]\n",  # a YAML alias: refused before parsing further
        "product: {details: " + "[" * 500 + "]" * 500 + "}",  # nesting beyond the bound
    ]
    for document in hostile:
        with pytest.raises(InvalidInput) as refused:
            mesh.create_product(document, domain="Sales")  # type: ignore[arg-type]
        assert len(refused.value.errors) <= 20
    with pytest.raises(InvalidInput) as refused:
        mesh.create_product({"schema": "s", "version": "4.1", "product": {"details": many}}, domain="Sales")
    assert len(refused.value.errors) == 20
