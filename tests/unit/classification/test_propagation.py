"""Labels follow lineage: labelling bronze's e-mail column suggests the label on silver and gold, with the path."""

from __future__ import annotations

import io

import pytest

from lakemesh.mesh import Mesh
from tests.unit.metrics.test_web_pages import sign_in

CRM_CSV = (
    b"customer_id,email,country\n"
    b"c1,ada@example.com,UK\nc2,alan@example.org,UK\nc3,grace@example.net,US\nc4,edsger@example.nl,NL\n"
)
CRM_TO_GOLD = {
    "name": "crm_to_gold",
    "lakehouse": "sales_lakehouse",
    "steps": [
        {
            "name": "ingest",
            "type": "ingest",
            "source": {"files": "crm/*.csv"},
            "target": {"table": "bronze_crm_customers", "mode": "overwrite"},
        },
        {
            "name": "silver",
            "type": "sql",
            "sql": "select customer_id, lower(email) as email_address, country from bronze_crm_customers",
            "target": {"table": "silver_customers", "mode": "overwrite"},
        },
        {
            "name": "gold",
            "type": "sql",
            "sql": "select country, email_address as contact from silver_customers",
            "target": {"table": "gold_contacts", "mode": "overwrite"},
        },
    ],
}
BRONZE = ("Sales", "sales_lakehouse", "bronze_crm_customers")


@pytest.fixture
def mesh(admin: Mesh) -> Mesh:
    admin.platform.pipelines.scheduling.sleep = lambda _: None
    admin.create_domain_lakehouse("Sales", "sales-steward@company.com")
    admin.upload_file("Sales", "sales_lakehouse", "crm/customers.csv", io.BytesIO(CRM_CSV))
    admin.apply_pipeline("Sales", CRM_TO_GOLD)
    assert admin.run_pipeline("Sales", "crm_to_gold").state == "succeeded"
    admin.platform.classification_propagation.catch_up()  # what the pipeline's own writes set, if anything
    return admin


def lineage_suggestions(mesh: Mesh, table: str) -> dict[str, tuple[str, str | None, str]]:
    found = mesh.classification_suggestions("Sales", "sales_lakehouse", table)
    return {s.column: (s.classification, s.label, s.path) for s in found if s.source == "lineage"}


def test_labelling_bronze_suggests_the_label_downstream_with_the_path(mesh: Mesh) -> None:
    mesh.update_table(*BRONZE, columns={"email": {"sensitivity_label": "Confidential"}})
    assert mesh.platform.classification_propagation.catch_up() == 2
    silver = lineage_suggestions(mesh, "silver_customers")
    gold = lineage_suggestions(mesh, "gold_contacts")
    assert set(silver) == {"email_address"} and set(gold) == {"contact"}
    kind, label, path = gold["contact"]
    assert (kind, label) == ("labelled", "Confidential")
    assert path == (
        "derived from sales.sales_lakehouse.bronze_crm_customers.email via pipeline sales/crm_to_gold (step silver)"
        " → sales.sales_lakehouse.silver_customers → pipeline sales/crm_to_gold (step gold)"
    )


def test_an_accepted_classification_travels_and_accepting_downstream_labels_it(mesh: Mesh) -> None:
    [email] = [s for s in mesh.classify_table(*BRONZE).suggestions if s.column == "email"]
    mesh.accept_suggestion(email.id)  # sets Confidential on bronze: an event the propagation consumes
    mesh.platform.classification_propagation.catch_up()
    [gold] = [
        s for s in mesh.classification_suggestions("Sales", "sales_lakehouse", "gold_contacts") if s.source == "lineage"
    ]
    assert (gold.column, gold.classification, gold.label) == ("contact", "email", "Confidential")
    mesh.accept_suggestion(gold.id)
    columns = {c.name: c for c in mesh.get_table("Sales", "sales_lakehouse", "gold_contacts").columns}
    assert columns["contact"].sensitivity_label == "Confidential"
    mesh.platform.classification_propagation.catch_up()  # nothing further downstream, nothing weaker to fix


def test_a_column_already_labelled_as_strongly_gets_no_suggestion(mesh: Mesh) -> None:
    mesh.update_table(
        "Sales",
        "sales_lakehouse",
        "silver_customers",
        columns={"email_address": {"sensitivity_label": "Highly Confidential"}},
    )
    mesh.update_table(*BRONZE, columns={"email": {"sensitivity_label": "Confidential"}})
    mesh.platform.classification_propagation.catch_up()
    assert lineage_suggestions(mesh, "silver_customers") == {}
    assert set(lineage_suggestions(mesh, "gold_contacts")) == {"contact"}


def test_the_governance_page_shows_where_a_lineage_suggestion_comes_from(mesh: Mesh) -> None:
    mesh.update_table(*BRONZE, columns={"email": {"sensitivity_label": "Confidential"}})
    mesh.platform.classification_propagation.catch_up()
    section = sign_in(mesh).get("/governance").text.split('id="classification-suggestions"')[1]
    [row] = [r for r in section.split("</tr>") if "Accept labelled on sales.sales_lakehouse.gold_contacts.contact" in r]
    assert "<code>contact</code>" in row and "derived from sales.sales_lakehouse.bronze_crm_customers.email via" in row
    scanned = [r for r in section.split("</tr>") if "Accept email on sales.sales_lakehouse.gold_contacts.contact" in r]
    assert all("found by a scan" in r for r in scanned)
