"""Templates and lakehouses as a domain team creates them."""

from __future__ import annotations

import pytest

from lakemesh.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from lakemesh.mesh import Mesh
from tests.conftest import user

SEED_TEMPLATE = {
    "type": "Lakehouse",
    "config": {
        "layers": ["bronze", "silver", "gold"],
        "default_format": "delta",
        "retention_days": 90,
        "auto_vacuum": True,
    },
    "governance": {"sensitivity_classification": "required", "data_steward": "required", "documentation": "required"},
}


def test_the_seed_template_ships_exactly_as_written(admin: Mesh) -> None:
    template = admin.get_template("domain-lakehouse-template")
    assert template.model_dump(include={"type", "config", "governance"}) == SEED_TEMPLATE
    assert {t.name for t in admin.list_templates()} >= {"domain-lakehouse-template", "ingestion-pipeline-template"}


def test_platform_admins_change_templates_and_get_a_new_version(admin: Mesh) -> None:
    changed = admin.put_template("domain-lakehouse-template", {**SEED_TEMPLATE, "config": {"retention_days": 30}})
    assert changed.version == 2 and changed.config == {"retention_days": 30}
    other = user(admin, "dave@company.com")
    with pytest.raises(Forbidden):
        other.put_template("domain-lakehouse-template", SEED_TEMPLATE)
    with pytest.raises(InvalidInput):
        admin.put_template("odd", {"type": "Spaceship"})


def test_lakehouse_from_template_takes_its_settings(sales: Mesh) -> None:
    lakehouse = sales.get_lakehouse("Sales-Domain", "SALES_LAKEHOUSE")
    assert lakehouse.layers == ["bronze", "silver", "gold"]
    assert (lakehouse.retention_days, lakehouse.auto_vacuum, lakehouse.template) == (
        90,
        True,
        "domain-lakehouse-template",
    )
    assert lakehouse.location.endswith("/sales/sales_lakehouse")


def test_template_governance_lists_everything_missing(admin: Mesh) -> None:
    admin.create_domain("Sales")
    with pytest.raises(InvalidInput) as caught:
        admin.create_lakehouse("Sales", "bare", template="domain-lakehouse-template")
    assert {e.loc for e in caught.value.errors} == {("data_steward",), ("description",)}
    assert admin.list_lakehouses("Sales") == []


def test_lakehouse_names_and_duplicates(sales: Mesh) -> None:
    for bad in ["../x", "a/b", "", "x" * 200, "has space", "émoji😀"]:
        with pytest.raises(InvalidInput):
            sales.create_lakehouse("Sales", bad)
    with pytest.raises(Conflict):
        sales.create_lakehouse("Sales", "Sales_Lakehouse")


def test_viewers_cannot_create_and_outsiders_cannot_see(sales: Mesh) -> None:
    viewer = user(sales, "vera@company.com")
    sales.add_member("Sales", "vera@company.com", "Viewer")
    assert [lh.name for lh in viewer.list_lakehouses("Sales")] == ["sales_lakehouse"]
    with pytest.raises(Forbidden):
        viewer.create_lakehouse("Sales", "mine")
    outsider = user(sales, "otto@company.com")
    with pytest.raises(NotFound):
        outsider.get_lakehouse("Sales", "sales_lakehouse")
    with pytest.raises(NotFound):
        outsider.list_tables("Sales", "sales_lakehouse")


def test_update_keeps_governance_and_checks_etag(sales: Mesh) -> None:
    current = sales.get_lakehouse("Sales", "sales_lakehouse")
    with pytest.raises(InvalidInput):
        sales.update_lakehouse("Sales", "sales_lakehouse", data_steward="")
    updated = sales.update_lakehouse("Sales", "sales_lakehouse", if_match=current.etag, retention_days=30)
    assert updated.retention_days == 30
    from lakemesh.core.errors import PreconditionFailed

    with pytest.raises(PreconditionFailed):
        sales.update_lakehouse("Sales", "sales_lakehouse", if_match=current.etag, retention_days=10)


def test_domain_delete_refuses_while_it_holds_lakehouses(sales: Mesh) -> None:
    with pytest.raises(Conflict, match="1 lakehouses"):
        sales.delete_domain("Sales")
    sales.delete_domain("Sales", force=True)
    with pytest.raises(NotFound):
        sales.get_domain("Sales")
