"""The product document: the seed validates as written, mistakes are refused with a field path."""

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from lakemesh.core.errors import InvalidInput
from lakemesh.products.models import ProductPatch, ProductSpec, QualityRuleSpec, parse_product
from tests.unit.products.seed import CUSTOMER_360


def seed() -> dict[str, Any]:
    return copy.deepcopy(CUSTOMER_360)


def test_seed_product_validates_exactly_as_written() -> None:
    product = parse_product(CUSTOMER_360)
    assert product.name == "Customer 360"
    assert list(product.contract.columns) == [
        "customer_id",
        "customer_name",
        "lifetime_value",
        "segment",
        "churn_risk",
        "last_updated",
    ]
    assert product.contract.columns["segment"].enum == ["Enterprise", "SMB", "Consumer"]
    assert product.storage.table == "gold_customer_360"
    assert product.quality_rules[3] == "last_updated within 25 hours"
    assert product.enforcement == "block"
    assert product.create_table is False


def test_description_is_dedented_and_stripped() -> None:
    product = parse_product(CUSTOMER_360)
    assert product.description == (
        "Unified customer view combining transaction history,\n"
        "support interactions, and marketing engagement.\n"
        "Updated daily at 6 AM UTC."
    )


def test_sla_is_parsed_but_kept_as_written() -> None:
    sla = parse_product(CUSTOMER_360).contract.sla
    assert sla.freshness == "24h" and sla.freshness_delta is not None and sla.freshness_delta.total_seconds() == 86400
    assert sla.availability == "99.9%" and sla.availability_fraction == pytest.approx(0.999)
    assert sla.quality_score_fraction == pytest.approx(0.95)


@pytest.mark.parametrize("threshold", [0.95, 95, "95%", "95 %"])
def test_quality_threshold_forms_normalise_to_a_fraction(threshold: object) -> None:
    data = seed()
    data["quality_rules"] = [{"name": "ltv", "condition": "lifetime_value >= 0", "threshold": threshold}]
    rule = parse_product(data).quality_rules[0]
    assert isinstance(rule, QualityRuleSpec)
    assert rule.threshold == pytest.approx(0.95)


def test_seed_quality_monitoring_rule_objects_are_accepted() -> None:
    data = seed()
    data["quality_rules"] = [
        {"name": "customer_id_not_null", "condition": "customer_id IS NOT NULL", "threshold": 100},
        {"name": "freshness_check", "condition": "last_updated > now() - interval 25 hours", "threshold": 95},
        "lifetime_value >= 0",
    ]
    rules = parse_product(data).quality_rules
    assert isinstance(rules[0], QualityRuleSpec) and rules[0].threshold == 1.0
    assert rules[2] == "lifetime_value >= 0"


@pytest.mark.parametrize("threshold", ["150%", 150, -1, "lots", True])
def test_impossible_thresholds_are_refused(threshold: object) -> None:
    data = seed()
    data["quality_rules"] = [{"condition": "x > 0", "threshold": threshold}]
    with pytest.raises(InvalidInput) as error:
        parse_product(data)
    assert error.value.errors[0].loc == ("quality_rules", 0, "rule", "threshold")


def test_unknown_fields_are_refused_at_every_level() -> None:
    data = seed()
    data["colour"] = "blue"
    data["contract"]["schema"]["segment"]["pii"] = True
    with pytest.raises(InvalidInput) as error:
        parse_product(data)
    locs = {e.loc for e in error.value.errors}
    assert ("colour",) in locs
    assert ("contract", "schema", "segment", "pii") in locs
    assert all(e.message == "unknown field" for e in error.value.errors)


def test_unknown_column_type_names_the_column() -> None:
    data = seed()
    data["contract"]["schema"]["churn_risk"]["type"] = "percentage"
    with pytest.raises(InvalidInput) as error:
        parse_product(data)
    assert error.value.errors[0].loc == ("contract", "schema", "churn_risk", "type")
    assert "percentage" in error.value.errors[0].message


def test_full_document_with_every_optional_field() -> None:
    data = seed()
    data |= {
        "tags": ["customer", "Customer", "gold"],
        "classification": "highly confidential",
        "documentation_url": "https://wiki.example.com/c360",
        "data_steward": "sales-steward@company.com",
        "input_ports": [{"product": "Marketing/Campaigns"}, {"table": "sales_lakehouse.silver_orders"}],
        "output_ports": [{"type": "delta_share", "name": "customer-360-share"}],
        "enforcement": "warn",
        "create_table": True,
        "version": "1.2.0-rc.1",
    }
    product = parse_product(data)
    assert product.tags == ["customer", "gold"]
    assert product.classification == "Highly Confidential"
    assert product.input_ports[1].table == "sales_lakehouse.silver_orders"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "../etc"),
        ("name", "   "),
        ("domain", "Sales/Other"),
        ("owner", ""),
        ("documentation_url", "javascript:alert(1)"),
        ("version", "v1"),
        ("enforcement", "ignore"),
        ("input_ports", [{"product": "Marketing/Campaigns", "table": "a.b"}]),
        ("input_ports", [{"product": "no-slash"}]),
        ("input_ports", [{"table": "a.b.c"}]),
        ("output_ports", [{"type": "ftp", "name": "x"}]),
        ("storage", {"type": "lakehouse_table", "lakehouse": "sales lakehouse", "table": "t"}),
        ("storage", {"type": "s3_bucket", "lakehouse": "l", "table": "t"}),
        ("quality_rules", ["  "]),
    ],
)
def test_hostile_values_are_refused_with_their_field(field: str, value: Any) -> None:
    data = seed()
    data[field] = value
    with pytest.raises(InvalidInput) as error:
        parse_product(data)
    assert error.value.errors[0].loc[0] == field


def test_patch_accepts_any_subset_and_refuses_unknown_fields() -> None:
    assert ProductPatch.model_validate({"description": "\n  New text\n"}).description == "New text"
    with pytest.raises(ValidationError):
        ProductPatch.model_validate({"domain_typo": "x"})


def test_product_spec_dump_validates_again_unchanged() -> None:
    product = parse_product(CUSTOMER_360)
    again = ProductSpec.model_validate(product.model_dump(by_alias=True))
    assert again == product
