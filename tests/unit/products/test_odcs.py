"""ODCS v3 export and import: lossless round trip, real-world documents, and refusing what is not ODCS v3."""

import copy
from pathlib import Path

import pytest
import yaml

from lakemesh.core.errors import InvalidInput
from lakemesh.products.models import QualityRuleSpec, parse_product
from lakemesh.products.odcs import export_odcs, import_odcs
from tests.unit.products.seed import CUSTOMER_360

FIXTURES = Path(__file__).parent / "fixtures"


def full_product() -> dict:
    data = copy.deepcopy(CUSTOMER_360)
    data["contract"]["schema"]["customer_id"] |= {"required": True, "unique": True, "sensitivity_label": "Confidential"}
    data["contract"]["schema"]["last_updated"]["format"] = "iso8601"
    data["contract"]["schema"]["score"] = {"type": "decimal(10,4)", "desc": "model score"}
    data["quality_rules"].append(
        {"name": "ltv", "condition": "lifetime_value >= 0", "threshold": "95%", "severity": "warning"}
    )
    data["quality_rules"].append({"condition": "churn_risk <= 1"})
    data |= {
        "tags": ["customer", "gold"],
        "classification": "Confidential",
        "documentation_url": "https://wiki.example.com/c360",
        "data_steward": "sales-steward@company.com",
        "input_ports": [{"product": "Marketing/Campaigns"}, {"table": "sales_lakehouse.silver_orders"}],
        "output_ports": [{"type": "semantic_model", "name": "Customer Analytics"}],
        "enforcement": "warn",
        "create_table": True,
        "version": "2.1.0",
        "usage_terms": ["No re-sharing outside your domain", "Delete extracts 30 days after the agreement ends"],
    }
    return data


@pytest.mark.parametrize("api_version", ["v3.1.0", "v3.0.2", "v3.2.0"])
def test_seed_product_round_trips_losslessly(api_version: str) -> None:
    product = parse_product(CUSTOMER_360)
    text = export_odcs(product, id="sales-customer-360", version="1.0.0", status="active", api_version=api_version)
    assert import_odcs(text).model_dump() == product.model_dump()


@pytest.mark.parametrize("api_version", ["v3.1.0", "v3.0.2"])
def test_every_native_field_round_trips(api_version: str) -> None:
    product = parse_product(full_product())
    text = export_odcs(product, id="c360", version="2.1.0", status="draft", api_version=api_version)
    assert import_odcs(text).model_dump() == product.model_dump()


def test_export_uses_the_standard_places() -> None:
    doc = yaml.safe_load(export_odcs(parse_product(full_product()), id="c360", version="2.1.0", status="active"))
    assert (doc["apiVersion"], doc["kind"], doc["id"], doc["status"]) == ("v3.1.0", "DataContract", "c360", "active")
    table = doc["schema"][0]
    assert (table["name"], table["physicalType"]) == ("gold_customer_360", "table")
    props = {p["name"]: p for p in table["properties"]}
    assert props["lifetime_value"]["logicalType"] == "number"
    assert props["customer_id"]["classification"] == "Confidential"
    assert props["segment"]["quality"][0]["arguments"]["validValues"] == ["Enterprise", "SMB", "Consumer"]
    checks = {q["description"]: q for q in table["quality"]}
    assert checks["customer_id is not null"]["type"] == "sql" and checks["customer_id is not null"]["mustBe"] == 0
    assert checks["last_updated within 25 hours"]["type"] == "custom"
    assert checks["lifetime_value >= 0"]["mustBeLessOrEqualTo"] == pytest.approx(5)
    assert {s["property"]: (s["value"], s["unit"]) for s in doc["slaProperties"]} == {
        "freshness": (24, "h"),
        "availability": (99.9, "percent"),
        "qualityScore": (95, "percent"),
    }
    assert doc["team"]["members"][0] == {"username": "sales-data-team@company.com", "role": "owner"}
    assert doc["servers"][0]["server"] == "sales_lakehouse"


def test_v302_seller_example_imports() -> None:
    product = import_odcs((FIXTURES / "odcs-v3.0.2-seller-payments.yaml").read_text())
    assert (product.name, product.domain, product.owner, product.data_steward) == (
        "seller_payments_v1",
        "seller",
        "mhopper",
        "daustin",
    )
    columns = product.contract.columns
    assert columns["rcvr_cntry_code"].enum == ["US", "CA", "GB"]
    assert columns["amount"].type == "decimal(12,2)"
    assert columns["rcvr_id"].required and columns["rcvr_id"].unique
    assert product.contract.sla.freshness == "4d"
    assert product.storage.table == "tbl_1"


def test_v310_orders_example_imports() -> None:
    product = import_odcs((FIXTURES / "odcs-v3.1.0-orders.yaml").read_text())
    columns = product.contract.columns
    assert columns["status"].enum == ["placed", "shipped", "delivered", "cancelled"]
    assert columns["placed_at"].column_type.kind.value == "timestamp"
    assert columns["order_total"].type == "numeric(12,2)"
    assert product.contract.sla.availability == "99.5%"
    assert product.contract.access_patterns == ["Daily revenue reporting", "Join to customers by customer_id"]
    assert "customer_id is not null" in product.quality_rules


def test_imported_rule_objects_keep_name_threshold_and_severity() -> None:
    text = export_odcs(parse_product(full_product()), id="c", version="1.0.0", status="active")
    rules = [r for r in import_odcs(text).quality_rules if isinstance(r, QualityRuleSpec)]
    assert rules[0].name == "ltv" and rules[0].threshold == pytest.approx(0.95) and rules[0].severity == "warning"


@pytest.mark.parametrize("text", ["apiVersion: [v3", "key: value\n  bad indent: x\n", ": :", "\t- x"])
def test_malformed_yaml_is_invalid_input(text: str) -> None:
    with pytest.raises(InvalidInput) as error:
        import_odcs(text)
    assert "not valid YAML" in error.value.errors[0].message


@pytest.mark.parametrize("text", ["just a string", "- a\n- b", "", "42"])
def test_a_document_that_is_not_a_mapping_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        import_odcs(text)


@pytest.mark.parametrize(
    ("replace", "loc"),
    [
        (("apiVersion: v3.1.0", "apiVersion: v2.2.2"), ("apiVersion",)),
        (("apiVersion: v3.1.0", "apiVersion: v4.0.0"), ("apiVersion",)),
        (("kind: DataContract", "kind: DataProduct"), ("kind",)),
    ],
)
def test_wrong_api_version_or_kind_is_refused(replace: tuple[str, str], loc: tuple[str, ...]) -> None:
    text = (FIXTURES / "odcs-v3.1.0-orders.yaml").read_text().replace(*replace)
    with pytest.raises(InvalidInput) as error:
        import_odcs(text)
    assert error.value.errors[0].loc == loc


def test_schema_errors_point_at_the_json_path() -> None:
    text = (FIXTURES / "odcs-v3.1.0-orders.yaml").read_text().replace("logicalType: integer", "logicalType: integr")
    with pytest.raises(InvalidInput) as error:
        import_odcs(text)
    item = error.value.errors[0]
    assert item.loc == ("schema", 0, "properties", 4, "logicalType")
    assert item.extra["json_path"] == "$.schema[0].properties[4].logicalType"


def test_missing_required_top_level_field_is_reported() -> None:
    text = (FIXTURES / "odcs-v3.1.0-orders.yaml").read_text().replace("id: urn:datacontract:checkout:orders\n", "")
    with pytest.raises(InvalidInput) as error:
        import_odcs(text)
    assert any("'id' is a required property" in e.message for e in error.value.errors)


def test_yaml_aliases_are_refused() -> None:
    bomb = "a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n"
    with pytest.raises(InvalidInput) as error:
        import_odcs(bomb)
    assert "aliases" in error.value.errors[0].message


def test_oversized_documents_are_refused() -> None:
    with pytest.raises(InvalidInput):
        import_odcs("x" * 1_000_001)


def test_missing_domain_and_owner_can_be_supplied() -> None:
    text = (FIXTURES / "odcs-v3.1.0-orders.yaml").read_text().replace("domain: checkout\n", "")
    with pytest.raises(InvalidInput) as error:
        import_odcs(text)
    assert error.value.errors[0].loc == ("domain",)
    assert import_odcs(text, domain="Checkout", owner="carol@example.com").owner == "carol@example.com"


def test_unsupported_logical_type_names_the_property() -> None:
    text = (
        (FIXTURES / "odcs-v3.1.0-orders.yaml")
        .read_text()
        .replace("logicalType: integer\n        physicalType: int4", "logicalType: array\n        physicalType: int4[]")
    )
    with pytest.raises(InvalidInput) as error:
        import_odcs(text)
    assert error.value.errors[0].loc == ("schema", 0, "properties", 4, "logicalType")


def test_export_refuses_an_unknown_api_version() -> None:
    with pytest.raises(InvalidInput):
        export_odcs(parse_product(CUSTOMER_360), id="x", version="1.0.0", status="active", api_version="v2.2.2")
