"""Deleting a domain and its glossary: terms hold the domain back like its other objects (409 unless forced);
a forced delete removes them, their links and every other term's links to the domain's data, audited."""

from __future__ import annotations

import pytest

from lakemesh.core.errors import Conflict, NotFound
from lakemesh.mesh import Mesh
from tests.unit.access.conftest import World, product_document
from tests.unit.glossary.test_glossary import COLUMNS, customer_terms

CAMPAIGNS = "marketing.marketing_lakehouse.silver_campaigns"


def test_a_domain_holding_only_glossary_terms_is_not_deleted_unless_forced(admin: Mesh) -> None:
    admin.create_domain("Temp")
    admin.put_glossary_term("Temporary", {"domain": "temp", "definition": "Gone soon."})
    with pytest.raises(Conflict, match="1 glossary terms"):
        admin.delete_domain("temp")
    assert admin.get_glossary_term("Temporary").domain == "temp"
    admin.delete_domain("temp", force=True)
    with pytest.raises(NotFound):
        admin.get_glossary_term("Temporary")
    assert admin.list_glossary_terms(q="temporary") == []
    deleted = admin.audit(action="glossary.term.deleted")
    assert [(e.resource_name, e.domain) for e in deleted] == [("Temporary", "temp")]


def test_a_forced_delete_removes_the_domains_terms_and_every_link_to_its_data(world: World) -> None:
    admin = world.admin
    customer_terms(world)  # Sales' Customer, Lifetime value, Churn risk on Customer 360's columns
    admin.put_glossary_term("Personal data", {"definition": "Data about a person."})  # GLOBAL
    admin.link_glossary_term("Personal data", f"{COLUMNS}.email")
    admin.link_glossary_term("Personal data", f"{CAMPAIGNS}.segment")
    # a Sales term on Marketing's data, and a Marketing term filed under a Sales category
    admin.put_glossary_term("Audience", {"domain": "sales", "synonyms": ["target group"]})
    admin.link_glossary_term("Audience", f"{CAMPAIGNS}.segment")
    admin.put_glossary_term("Campaign customer", {"domain": "marketing", "parent": "Customer"})
    assert [h.qualified_name for h in world.analyst.search("target group") if h.kind == "table"] == [CAMPAIGNS]

    admin.delete_domain("sales", force=True)

    assert {t.name for t in admin.list_glossary_terms()} == {"Personal data", "Campaign customer"}
    personal = admin.get_glossary_term("Personal data")
    assert [link.target for link in personal.linked] == [f"{CAMPAIGNS}.segment"]
    assert personal.links == 1
    assert admin.get_glossary_term("Campaign customer").parent is None
    assert admin.list_glossary_terms(q="churn probability") == []
    assert not [h for h in world.analyst.search("target group") if h.kind == "table"]
    removed = {e.resource_name for e in admin.audit(action="glossary.term.deleted", limit=100)}
    assert removed == {"Customer", "Lifetime value", "Churn risk", "Audience"}


def test_deleting_a_table_or_a_product_removes_the_links_to_it(world: World) -> None:
    admin = world.admin
    admin.put_glossary_term("Personal data", {"definition": "Data about a person."})
    admin.link_glossary_term("Personal data", CAMPAIGNS)
    admin.link_glossary_term("Personal data", f"{CAMPAIGNS}.segment")
    admin.link_glossary_term("Personal data", f"{COLUMNS}.email")
    storage = {"type": "lakehouse_table", "lakehouse": "sales_lakehouse", "table": "gold_campaign_reach"}
    draft = admin.create_product(
        {**product_document(), "name": "Campaign reach", "storage": storage, "create_table": True}
    )
    admin.link_glossary_term("Personal data", f"sales/{draft.slug}")
    assert admin.get_glossary_term("Personal data").links == 4

    admin.delete_table("marketing", "marketing_lakehouse", "silver_campaigns")
    admin.delete_product("sales", draft.slug)

    personal = admin.get_glossary_term("Personal data")
    assert [link.target for link in personal.linked] == [f"{COLUMNS}.email"]
    assert personal.links == 1
