"""Self-serve: the seed's create_domain_lakehouse, idempotent, with the steward as Member."""

from __future__ import annotations

import pytest

import lakemesh.self_serve
from lakemesh.core.errors import Forbidden, InvalidInput
from lakemesh.mesh import Mesh
from tests.conftest import user


def test_the_seeds_call_creates_the_domain_workspace_steward_and_lakehouse(admin: Mesh) -> None:
    result = lakemesh.self_serve.create_domain_lakehouse(
        domain_name="Sales", steward_email="sales-steward@company.com", capacity_id="capacity-id", mesh=admin
    )
    assert result.created == {"domain": True, "steward": True, "lakehouse": True}
    assert result.domain.name == "Sales" and result.domain.display_name == "Sales-Domain"
    assert result.domain.description == "Data products for Sales domain. Steward: sales-steward@company.com"
    assert result.steward.principal == "sales-steward@company.com" and result.steward.role == "Member"
    lakehouse = result.lakehouse
    assert lakehouse.name == "sales_lakehouse" and lakehouse.template == "domain-lakehouse-template"
    assert lakehouse.layers == ["bronze", "silver", "gold"] and lakehouse.retention_days == 90 and lakehouse.auto_vacuum
    assert lakehouse.data_steward == "sales-steward@company.com"
    assert result.capacity_id == "capacity-id"
    assert admin.get_domain("Sales-Domain").id == result.domain.id


def test_calling_it_again_changes_nothing_and_completes_what_is_missing(admin: Mesh) -> None:
    admin.create_domain("Marketing", display_name="Marketing-Domain")
    first = admin.create_domain_lakehouse("Marketing-Domain", "mkt-steward@company.com")
    assert first.created == {"domain": False, "steward": True, "lakehouse": True}
    again = admin.create_domain_lakehouse("Marketing", "mkt-steward@company.com")
    assert again.created == {"domain": False, "steward": False, "lakehouse": False}
    assert again.lakehouse.id == first.lakehouse.id
    assert len(admin.list_lakehouses("Marketing")) == 1 and len(admin.list_members("Marketing")) == 1


def test_template_usage_counts_lakehouses_made_from_it(admin: Mesh) -> None:
    before = admin.get_template("domain-lakehouse-template")
    admin.create_domain_lakehouse("Sales", "sales-steward@company.com")
    admin.create_domain_lakehouse("Customer Care", "care@company.com")
    assert admin.list_lakehouses("customer-care")[0].name == "customer_care_lakehouse"
    usage = getattr(admin.get_template("domain-lakehouse-template"), "usage_count", None)
    if usage is not None:
        assert usage == getattr(before, "usage_count", 0) + 2


def test_bad_input_and_missing_rights_are_refused(admin: Mesh) -> None:
    with pytest.raises(InvalidInput):
        admin.create_domain_lakehouse("Sales", "not-an-email")
    with pytest.raises(InvalidInput):
        admin.create_domain_lakehouse("../etc", "a@company.com")
    with pytest.raises(InvalidInput):
        admin.create_domain_lakehouse("Sales", "a@company.com", template="ingestion-pipeline-template")
    someone = user(admin, "someone@company.com")
    with pytest.raises(Forbidden):
        someone.create_domain_lakehouse("Finance", "fin@company.com")
    assert [d.name for d in admin.list_domains()] == []


def test_a_steward_address_that_cannot_name_a_principal_is_refused_before_anything_is_made(admin: Mesh) -> None:
    """`@` looks like an address but has no letter or digit for a principal's name: the domain was made, then
    the request failed on a field called `name` the caller never sent (found by Schemathesis)."""
    with pytest.raises(InvalidInput) as refused:
        admin.create_domain_lakehouse("Finance", "@")
    assert refused.value.errors[0].loc == ("steward_email",)
    assert [d.name for d in admin.list_domains()] == []
