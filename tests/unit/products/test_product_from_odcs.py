"""Issue 28.14: `product create` from an ODCS v3 document — detection, overrides, the ODCS project's full
examples, and the list of what was not imported."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from lakemesh.core.errors import InvalidInput
from lakemesh.products.from_document import product_from_document
from tests.unit.products.seed import CUSTOMER_360

FIXTURES = Path(__file__).parent / "fixtures"
FULL_V30 = (FIXTURES / "odcs-full-example-v3.0.1.odcs.yaml").read_text()
FULL_V31 = (FIXTURES / "odcs-full-example-v3.1.0.odcs.yaml").read_text()


def paths(dropped: list) -> dict[str, str]:
    return {item.path: item.reason for item in dropped}


def test_the_v30_full_example_keeps_what_a_product_can_hold() -> None:
    spec, dropped = product_from_document(FULL_V30)
    assert (spec.domain, spec.name, spec.owner) == ("seller", "my quantum", "daustin")
    assert (spec.storage.lakehouse, spec.storage.table) == ("seller_lakehouse", "tbl_1")
    key = spec.contract.columns["rcvr_id"]
    assert (key.required, key.unique, key.sensitivity_label) == (True, True, "restricted")
    assert spec.quality_rules == ["rcvr_cntry_code is not null"]  # the nullCheck
    assert spec.contract.sla.freshness == "4d"
    found = paths(dropped)
    # its countCheck names no comparison: listed, not invented
    assert "without a comparison" in found["$.schema[0].quality[0]"]
    assert "postgres server is not a lakehouse" in found["$.servers[0]"]
    assert {"$.price", "$.roles", "$.support", "$.slaProperties[4]", "$.team[0]"} <= set(found)
    assert "$.schema[0].properties[1].primaryKeyPosition" not in found  # kept as required + unique
    assert "$.slaProperties[0]" not in found  # latency became the freshness SLA


def test_the_v31_full_example_row_count_check_becomes_a_rule() -> None:
    spec, dropped = product_from_document(FULL_V31, {"table": "tbl_1"})
    assert spec.quality_rules == ["row_count > 1000000", "rcvr_cntry_code is not null"]
    assert (spec.contract.columns["rcvr_id"].required, spec.contract.columns["rcvr_id"].unique) == (True, True)
    found = paths(dropped)
    assert "'receivers' is not it" in found["$.schema[1]"]
    assert "$.schema[0].quality[0]" not in found


def test_a_v31_document_with_two_tables_needs_one_named() -> None:
    with pytest.raises(InvalidInput) as refused:
        product_from_document(FULL_V31)
    assert refused.value.errors[0].loc == ("schema",)
    assert "tbl_1, receivers_master" in refused.value.errors[0].message


def test_overrides_win_and_physical_column_names_bind_the_table() -> None:
    document = FULL_V30.replace(
        "      - name: txn_ref_dt\n", "      - name: reference date\n        physicalName: txn_ref_dt\n"
    )
    overrides = {"domain": "Finance", "name": "Payments", "owner": "ana", "lakehouse": "lh", "create_table": True}
    spec, dropped = product_from_document(document, overrides)
    assert (spec.domain, spec.name, spec.owner, spec.storage.lakehouse, spec.create_table) == (
        "Finance",
        "Payments",
        "ana",
        "lh",
        True,
    )
    assert "txn_ref_dt" in spec.contract.columns
    assert "a postgres server is not a lakehouse; the product is bound to 'lh'" in paths(dropped).values()


def test_a_dict_is_odcs_when_it_has_api_version_or_kind() -> None:
    as_dict = yaml.safe_load(FULL_V30)
    spec, _ = product_from_document(as_dict)
    assert spec.storage.table == "tbl_1"
    with pytest.raises(InvalidInput) as refused:
        product_from_document({"kind": "DataContract", "domain": "x"})
    assert refused.value.errors[0].loc == ("apiVersion",)


def test_a_native_document_is_unchanged_but_for_overrides() -> None:
    spec, dropped = product_from_document(copy.deepcopy(CUSTOMER_360), {"domain": "Other", "table": "t2"})
    assert (spec.domain, spec.name, spec.storage.table, dropped) == ("Other", CUSTOMER_360["name"], "t2", [])


def test_neither_native_nor_odcs_is_a_422_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as refused:
        product_from_document({"title": "Invoices"})
    locations = {item.loc for item in refused.value.errors}
    assert ("title",) in locations and ("name",) in locations
    with pytest.raises(InvalidInput) as refused:
        product_from_document(FULL_V30.replace("status: active", "status: [active]"))
    assert refused.value.errors[0].loc == ("status",)
    with pytest.raises(InvalidInput) as refused:
        product_from_document("- just\n- a list\n")
    assert "mapping" in refused.value.errors[0].message
