"""Issue 28.1: a contract stops a negative amount — property constraints and row rules checked on write."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest
import yaml

from lakemesh.core.errors import ContractViolation, InvalidInput
from lakemesh.mesh import Mesh
from lakemesh.products.models import parse_product
from lakemesh.products.odcs import export_odcs, import_odcs

OWNER = "finance-team@company.com"


def invoices(amounts: list[str], ids: list[str] | None = None) -> pa.Table:
    return pa.table(
        {
            "invoice_id": pa.array(ids or [f"INV-{i}" for i in range(len(amounts))]),
            "amount": pa.array([Decimal(a) for a in amounts], pa.decimal128(18, 2)),
        }
    )


def product(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "name": "Invoices",
        "domain": "Finance",
        "owner": OWNER,
        "contract": {
            "schema": {
                "invoice_id": {"type": "string", "required": True, "unique": True, "pattern": "^INV-[0-9]+$"},
                "amount": {"type": "decimal", "minimum": 0},
            }
        },
        "storage": {"type": "lakehouse_table", "lakehouse": "finance_lakehouse", "table": "gold_invoices"},
    }
    document.update(changes)
    return document


@pytest.fixture
def mesh(admin: Mesh) -> Mesh:
    admin.create_principal(OWNER)
    admin.create_domain("Finance")
    admin.create_lakehouse("Finance", "finance_lakehouse")
    admin.write_table("Finance", "finance_lakehouse", "gold_invoices", invoices(["10.00", "20.00"]))
    return admin


def write(mesh: Mesh, data: pa.Table) -> Any:
    return mesh.write_table("Finance", "finance_lakehouse", "gold_invoices", data, mode="append")


def test_a_minimum_in_the_seed_dict_form_blocks_a_negative_amount(mesh: Mesh) -> None:
    mesh.create_product(product())
    mesh.publish_product("Finance", "Invoices")
    with pytest.raises(ContractViolation) as refused:
        write(mesh, invoices(["-50.00", "5.00"], ["INV-7", "INV-8"]))
    (item,) = refused.value.errors
    assert item.extra["rule"] == "minimum" and item.extra["failed_rows"] == 1
    assert item.extra["examples"] == [{"invoice_id": "INV-7", "amount": "-50.00"}]
    assert "at least 0" in item.message
    assert mesh.get_table("Finance", "finance_lakehouse", "gold_invoices").row_count == 2  # nothing written


def test_a_pattern_is_checked_on_write(mesh: Mesh) -> None:
    mesh.create_product(product())
    mesh.publish_product("Finance", "Invoices")
    with pytest.raises(ContractViolation) as refused:
        write(mesh, invoices(["1.00"], ["bad"]))
    assert refused.value.errors[0].extra["rule"] == "pattern"


def test_constraints_that_do_not_fit_the_column_are_refused_on_save(mesh: Mesh) -> None:
    document = product()
    document["contract"]["schema"]["invoice_id"]["minimum"] = 3
    document["contract"]["schema"]["amount"]["pattern"] = "(unclosed"
    with pytest.raises(InvalidInput) as refused:
        mesh.create_product(document)
    locs = {item.loc[:3] for item in refused.value.errors}
    assert ("contract", "schema", "invoice_id") in locs and ("contract", "schema", "amount") in locs


def test_a_rule_marked_on_write_blocks_with_counts_and_examples(mesh: Mesh) -> None:
    document = product(quality_rules=[{"condition": "amount < 1000", "enforce": "on_write"}, "amount > 5"])
    document["contract"]["schema"]["amount"] = {"type": "decimal"}
    mesh.create_product(document)
    mesh.publish_product("Finance", "Invoices")
    with pytest.raises(ContractViolation) as refused:
        write(mesh, invoices(["1000.00", "2.00", "5000.00"], ["INV-7", "INV-8", "INV-9"]))
    (item,) = refused.value.errors  # `amount > 5` is not checked on write
    assert (item.extra["rule"], item.extra["failed_rows"]) == ("amount < 1000", 2)
    assert [e["invoice_id"] for e in item.extra["examples"]] == ["INV-7", "INV-9"]


def test_the_product_setting_checks_every_error_rule_on_write(mesh: Mesh) -> None:
    rules = ["amount >= 0", {"condition": "amount < 100", "severity": "warning"}]
    document = product(quality_rules=rules, quality_rules_on_write=True)
    document["contract"]["schema"]["amount"] = {"type": "decimal"}
    mesh.create_product(document)
    write(mesh, invoices(["-1.00"], ["INV-5"]))  # a draft product does not guard its table yet
    mesh.publish_product("Finance", "Invoices")
    with pytest.raises(ContractViolation) as refused:
        write(mesh, invoices(["-50.00", "500.00"], ["INV-7", "INV-8"]))
    assert [(i.extra["rule"], i.extra["failed_rows"]) for i in refused.value.errors] == [("amount >= 0", 1)]
    assert write(mesh, invoices(["500.00"], ["INV-9"])).rows_written == 1


def test_on_write_is_refused_for_a_rule_over_the_whole_table(mesh: Mesh) -> None:
    with pytest.raises(InvalidInput) as refused:
        mesh.create_product(product(quality_rules=[{"condition": "row_count >= 10", "enforce": "on_write"}]))
    assert refused.value.errors[0].loc == ("quality_rules", 0, "enforce")


@pytest.mark.parametrize("api_version", ["v3.0.2", "v3.1.0"])
def test_odcs_export_and_import_carry_the_constraints(api_version: str) -> None:
    document = product(quality_rules=[{"condition": "amount >= 0", "enforce": "on_write"}], quality_rules_on_write=True)
    document["contract"]["schema"]["amount"] = {"type": "decimal(18,2)", "exclusiveMinimum": 0, "maximum": 10}
    document["contract"]["schema"]["code"] = {"type": "string", "minLength": 2, "maxLength": 4}
    spec = parse_product(document)
    text = export_odcs(spec, id="c1", version="1.0.0", status="active", api_version=api_version)
    props = {p["name"]: p for p in yaml.safe_load(text)["schema"][0]["properties"]}
    assert props["invoice_id"]["logicalTypeOptions"] == {"pattern": "^INV-[0-9]+$"}
    assert props["code"]["logicalTypeOptions"] == {"minLength": 2, "maxLength": 4}
    back = import_odcs(text)
    assert back.contract == spec.contract
    assert back.quality_rules == spec.quality_rules and back.quality_rules_on_write
