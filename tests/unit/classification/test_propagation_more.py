"""Labels also travel through products' input ports and OpenLineage column facets; never as a downgrade; and the
suggestions of tables and columns that are gone disappear."""

from __future__ import annotations

import uuid
from typing import Any

import pyarrow as pa
import pytest

from lakemesh.core.errors import InvalidInput, NotFound
from lakemesh.mesh import Mesh
from tests.unit.access.conftest import World, grant_to
from tests.unit.sharing.test_shortcuts import SEED

LH = "sales_lakehouse"
CRM = ("Sales", LH, "crm_contacts")


def contacts_table() -> pa.Table:
    return pa.table({"customer_id": ["c1", "c2"], "email": ["ada@example.com", "alan@example.org"]})


def product(name: str, domain: str, lakehouse: str, table: str, ports: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "name": name,
        "domain": domain,
        "owner": "admin",
        "contract": {"schema": {"customer_id": {"type": "string"}, "email": {"type": "string"}}},
        "storage": {"type": "lakehouse_table", "lakehouse": lakehouse, "table": table},
        "input_ports": ports,
    }


def lineage_suggestions(mesh: Mesh, domain: str, lakehouse: str, table: str) -> dict[str, tuple[str | None, str]]:
    found = mesh.classification_suggestions(domain, lakehouse, table)
    return {s.column: (s.label, s.path) for s in found if s.source == "lineage"}


@pytest.fixture
def mesh(admin: Mesh) -> Mesh:
    admin.create_domain_lakehouse("Sales", "sales-steward@company.com")
    admin.write_table(*CRM, contacts_table())
    admin.platform.classification_propagation.catch_up()
    return admin


def test_a_product_built_from_a_table_through_its_input_port_gets_the_label(mesh: Mesh) -> None:
    mesh.write_table("Sales", LH, "contact_book", contacts_table())
    mesh.create_product(product("Contact Book", "Sales", LH, "contact_book", [{"table": f"{LH}.crm_contacts"}]))
    mesh.update_table(*CRM, columns={"email": {"sensitivity_label": "Confidential"}})
    mesh.platform.classification_propagation.catch_up()
    label, path = lineage_suggestions(mesh, "Sales", LH, "contact_book")["email"]
    assert label == "Confidential"
    assert path == "derived from sales.sales_lakehouse.crm_contacts.email via input port of sales/contact-book"


def test_a_product_in_another_domain_built_from_a_product_gets_the_label_with_the_path(mesh: Mesh) -> None:
    mesh.create_product(product("CRM Contacts", "Sales", LH, "crm_contacts", []))
    mesh.create_domain_lakehouse("Marketing", "marketing-steward@company.com")
    mesh.write_table("Marketing", "marketing_lakehouse", "audience", contacts_table())
    mesh.create_product(
        product("Audience", "Marketing", "marketing_lakehouse", "audience", [{"product": "sales/crm-contacts"}])
    )
    mesh.update_table(*CRM, columns={"email": {"sensitivity_label": "Highly Confidential"}})
    mesh.platform.classification_propagation.catch_up()
    found = lineage_suggestions(mesh, "Marketing", "marketing_lakehouse", "audience")
    assert set(found) == {"email"}  # customer_id was not labelled: it does not travel
    label, path = found["email"]
    assert label == "Highly Confidential"
    assert path == (
        "derived from sales.sales_lakehouse.crm_contacts.email via product sales/crm-contacts"
        " → input port of marketing/audience"
    )
    assert lineage_suggestions(mesh, *CRM) == {}  # the product served from the labelled table adds nothing


def openlineage_event(facet_input: str = "email") -> dict[str, Any]:
    source = {"namespace": "lakemesh", "name": "sales.sales_lakehouse.crm_contacts"}
    return {
        "eventType": "COMPLETE",
        "eventTime": "2025-01-01T06:00:00Z",
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "sales", "name": "dbt.mailing"},
        "inputs": [source],
        "outputs": [
            {
                "namespace": "lakemesh",
                "name": "sales.sales_lakehouse.mailing",
                "facets": {
                    "columnLineage": {
                        "_producer": "https://example.com/dbt",
                        "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json",
                        "fields": {
                            "recipient": {"inputFields": [{**source, "field": facet_input}]},
                            "ref": {"inputFields": [{**source, "field": "customer_id"}]},
                        },
                    }
                },
            }
        ],
        "producer": "https://example.com/dbt",
    }


def test_an_openlineage_column_facet_carries_the_label_to_the_derived_column(mesh: Mesh) -> None:
    mesh.write_table("Sales", LH, "mailing", pa.table({"ref": ["c1"], "recipient": ["ada@example.com"]}))
    mesh.post_lineage(openlineage_event())
    mesh.update_table(*CRM, columns={"email": {"sensitivity_label": "Confidential"}})
    mesh.platform.classification_propagation.catch_up()
    found = lineage_suggestions(mesh, "Sales", LH, "mailing")
    assert set(found) == {"recipient"}
    assert found["recipient"] == (
        "Confidential",
        "derived from sales.sales_lakehouse.crm_contacts.email via job sales/dbt.mailing",
    )


def test_a_same_named_column_of_another_input_of_the_job_does_not_carry_the_label(mesh: Mesh) -> None:
    mesh.write_table("Sales", LH, "partners", contacts_table())  # also has `email`, not labelled
    mesh.write_table("Sales", LH, "mailing", pa.table({"recipient": ["a@example.com"], "cc": ["b@example.com"]}))
    body = openlineage_event()
    partners = {"namespace": "lakemesh", "name": "sales.sales_lakehouse.partners"}
    body["inputs"].append(partners)
    fields = body["outputs"][0]["facets"]["columnLineage"]["fields"]
    fields["cc"] = {"inputFields": [{**partners, "field": "email"}]}
    mesh.post_lineage(body)
    mesh.update_table(*CRM, columns={"email": {"sensitivity_label": "Confidential"}})
    mesh.platform.classification_propagation.catch_up()
    assert set(lineage_suggestions(mesh, "Sales", LH, "mailing")) == {"recipient"}
    impact = mesh.lineage_impact("table:sales.sales_lakehouse.partners", column="email")
    assert {i.node: i.columns for i in impact.affected}["table:sales.sales_lakehouse.mailing"] == ["cc"]


def test_never_a_downgrade_and_a_stronger_label_reopens(mesh: Mesh) -> None:
    mesh.write_table("Sales", LH, "mailing", pa.table({"ref": ["c1"], "recipient": ["ada@example.com"]}))
    mesh.post_lineage(openlineage_event())
    mesh.update_table(*CRM, columns={"email": {"sensitivity_label": "Confidential"}})
    mesh.platform.classification_propagation.catch_up()
    [suggestion] = [s for s in mesh.classification_suggestions("Sales", LH, "mailing") if s.source == "lineage"]
    with pytest.raises(InvalidInput):  # a derived column carries at least its source's label
        mesh.accept_suggestion(suggestion.id, label="Internal")
    mesh.update_table("Sales", LH, "mailing", columns={"recipient": {"sensitivity_label": "Highly Confidential"}})
    accepted = mesh.accept_suggestion(suggestion.id)
    assert accepted.label == "Highly Confidential"  # the stronger label it already had stays
    columns = {c.name: c for c in mesh.get_table("Sales", LH, "mailing").columns}
    assert columns["recipient"].sensitivity_label == "Highly Confidential"
    # someone lowers the derived column; the source is labelled again: the suggestion opens again
    mesh.update_table("Sales", LH, "mailing", columns={"recipient": {"sensitivity_label": "Internal"}})
    mesh.update_table(*CRM, columns={"email": {"sensitivity_label": "Confidential"}})
    mesh.platform.classification_propagation.catch_up()
    [again] = [s for s in mesh.classification_suggestions("Sales", LH, "mailing") if s.source == "lineage"]
    assert (again.id, again.status, again.label) == (suggestion.id, "pending", "Confidential")
    # a rejection sticks for the same label; a stronger label upstream asks again
    mesh.reject_suggestion(again.id)
    mesh.update_table(*CRM, columns={"email": {"sensitivity_label": "Confidential"}})
    mesh.platform.classification_propagation.catch_up()
    assert lineage_pending(mesh) == []
    mesh.update_table(*CRM, columns={"email": {"sensitivity_label": "Highly Confidential"}})
    mesh.platform.classification_propagation.catch_up()
    [stronger] = lineage_pending(mesh)
    assert (stronger.id, stronger.label) == (suggestion.id, "Highly Confidential")


def lineage_pending(mesh: Mesh) -> list[Any]:
    found = mesh.classification_suggestions("Sales", LH, "mailing", status="pending")
    return [s for s in found if s.source == "lineage"]


def test_suggestions_of_a_dropped_column_and_of_a_deleted_table_disappear(mesh: Mesh) -> None:
    scan = mesh.classify_table(*CRM)
    [email] = [s for s in scan.suggestions if s.column == "email"]
    mesh.write_table(*CRM, pa.table({"customer_id": ["c3"]}), mode="overwrite", schema_mode="overwrite")
    assert [s.column for s in mesh.classification_suggestions(*CRM)] == []  # gone at once from the table page
    assert email.id not in {s.id for s in mesh.platform.classification.decidable_suggestions(mesh.principal)}
    with pytest.raises(NotFound):
        mesh.accept_suggestion(email.id)
    mesh.platform.classification_propagation.catch_up()
    assert _stored(mesh, email.id) is False  # and pruned from the catalog

    mesh.write_table("Sales", LH, "old_contacts", contacts_table())
    [old] = [s for s in mesh.classify_table("Sales", LH, "old_contacts").suggestions if s.column == "email"]
    mesh.delete_table("Sales", LH, "old_contacts")
    mesh.write_table("Sales", LH, "old_contacts", pa.table({"email": ["x"]}))  # another table takes the name
    assert old.id not in {s.id for s in mesh.classification_suggestions("Sales", LH, "old_contacts")}
    assert old.id not in {s.id for s in mesh.platform.classification.decidable_suggestions(mesh.principal)}
    with pytest.raises(NotFound):
        mesh.accept_suggestion(old.id)
    mesh.platform.classification_propagation.catch_up()
    assert _stored(mesh, old.id) is False
    assert mesh.audit(action="classification.pruned")


def test_a_deleted_domain_takes_its_suggestions_and_settings_along(mesh: Mesh) -> None:
    mesh.create_domain_lakehouse("Temp", "temp-steward@company.com")
    mesh.write_table("Temp", "temp_lakehouse", "people", contacts_table())
    [found] = [s for s in mesh.classify_table("Temp", "temp_lakehouse", "people").suggestions if s.column == "email"]
    mesh.set_classification_settings("Temp", auto_accept_above=0.99)
    mesh.delete_domain("Temp", force=True)
    assert _stored(mesh, found.id) is False
    mesh.create_domain("Temp")
    assert mesh.classification_settings("Temp").auto_accept_above is None


def _stored(mesh: Mesh, suggestion_id: str) -> bool:
    from lakemesh.catalog.tables.classification import ClassificationSuggestionRow

    with mesh.platform.catalog.read() as session:
        return session.get(ClassificationSuggestionRow, suggestion_id) is not None


def test_a_shortcut_shows_the_label_at_once_and_gets_no_suggestion(world: World) -> None:
    grant_to(world, world.analyst)
    world.analyst.create_shortcut("Marketing", "marketing_lakehouse", SEED)
    target = ("Sales", "sales_lakehouse", "gold_customer_360")
    world.admin.update_table(*target, columns={"customer_id": {"sensitivity_label": "Internal"}})
    world.admin.platform.classification_propagation.catch_up()
    shortcut = ("Marketing", "marketing_lakehouse", "shared_customer_360")
    assert world.admin.classification_suggestions(*shortcut) == []
    labels = {c.name: c.sensitivity_label for c in world.admin.get_table(*shortcut).columns}
    assert labels["customer_id"] == "Internal"
