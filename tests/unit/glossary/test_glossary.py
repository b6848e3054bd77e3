"""The glossary as its users meet it: terms defined and reviewed, linked to data, found in search, exchanged."""

from __future__ import annotations

import pyarrow as pa
import pytest

from lakemesh.core.errors import Forbidden, InvalidInput, NotFound
from lakemesh.mesh import Mesh
from lakemesh.web.pages_glossary import definition_html
from tests.conftest import user
from tests.unit.access.conftest import World, grant_to

COLUMNS = "sales.sales_lakehouse.gold_customer_360"


def customer_terms(world: World) -> None:
    """The seed's Customer 360 terms, linked to its columns by the Sales owner."""
    owner = world.owner
    owner.put_glossary_term("Customer", {"domain": "sales", "definition": "A party that buys from us."})
    owner.put_glossary_term(
        "Lifetime value", {"domain": "sales", "parent": "Customer", "definition": "Revenue over the relationship."}
    )
    owner.put_glossary_term(
        "Churn risk",
        {"domain": "sales", "parent": "Customer", "synonyms": ["churn probability", "attrition risk"]},
    )
    owner.link_glossary_term("Customer", f"{COLUMNS}.customer_id")
    owner.link_glossary_term("Lifetime value", f"{COLUMNS}.lifetime_value")
    owner.link_glossary_term("Churn risk", f"{COLUMNS}.churn_risk")


def test_a_synonym_finds_customer_360_in_search_with_a_term_facet(world: World) -> None:
    assert not [h for h in world.analyst.search("churn probability") if h.kind == "product"]
    customer_terms(world)
    found = world.analyst.search("churn probability")
    assert [h.qualified_name for h in found if h.kind == "product"] == ["sales/customer-360"]
    by_term = world.analyst.search("", term="Churn risk")
    assert [h.qualified_name for h in by_term if h.kind == "product"] == ["sales/customer-360"]
    assert {f.value for f in by_term.facets["term"]} >= {"churn risk", "customer", "lifetime value"}
    assert all(not f.value.startswith("term:") for f in by_term.facets["tag"])


def test_the_product_page_shows_each_columns_terms_and_the_term_page_what_is_linked(world: World) -> None:
    customer_terms(world)
    terms = world.analyst.product_glossary_terms("sales", "customer-360")
    assert [t.name for t in terms["churn_risk"]] == ["Churn risk"]
    assert terms["lifetime_value"][0].definition == "Revenue over the relationship."
    page = world.owner.get_glossary_term("Customer")
    assert page.children == ["Churn risk", "Lifetime value"]
    assert [(link.kind, link.target) for link in page.linked] == [("column", f"{COLUMNS}.customer_id")]
    world.owner.link_glossary_term("Customer", "sales/customer-360")
    # another domain sees the published product linked to the term, not Sales' columns until it may read them
    assert [link.target for link in world.analyst.get_glossary_term("Customer").linked] == ["sales/customer-360"]
    assert [link.target for link in world.outsider.get_glossary_term("Customer").linked] == ["sales/customer-360"]
    grant_to(world, world.analyst)
    assert [link.target for link in world.analyst.get_glossary_term("Customer").linked] == [
        f"{COLUMNS}.customer_id",
        "sales/customer-360",
    ]


def test_a_term_that_would_contain_itself_is_refused(world: World) -> None:
    customer_terms(world)
    with pytest.raises(InvalidInput) as raised:
        world.owner.put_glossary_term("Customer", {"domain": "sales", "parent": "Churn risk"})
    assert raised.value.status == 422 and "cycle" in str(raised.value)
    with pytest.raises(InvalidInput):
        world.owner.put_glossary_term("Customer", {"domain": "sales", "parent": "Customer"})
    with pytest.raises(InvalidInput):
        world.owner.put_glossary_term("Orphan", {"domain": "sales", "parent": "No such term"})
    with pytest.raises(InvalidInput):
        world.owner.put_glossary_term("Orphan", {"domain": "sales", "related": ["No such term"]})


def test_linking_another_domains_column_is_403_with_a_grant_and_404_without(world: World) -> None:
    customer_terms(world)
    world.admin.put_glossary_term("Segment", {"domain": "marketing"})
    with pytest.raises(NotFound):
        world.analyst.link_glossary_term("Segment", f"{COLUMNS}.segment")
    grant_to(world, world.analyst)
    with pytest.raises(Forbidden):
        world.analyst.link_glossary_term("Segment", f"{COLUMNS}.segment")
    with pytest.raises(Forbidden):
        world.analyst.link_glossary_term("Segment", "sales/customer-360")
    link = world.analyst.link_glossary_term("Segment", "marketing.marketing_lakehouse.silver_campaigns.segment")
    assert link.domain == "marketing" and link.status == "linked"
    with pytest.raises(NotFound):
        world.owner.link_glossary_term("Customer", f"{COLUMNS}.no_such_column")


def test_who_may_write_terms_deny_by_default(world: World) -> None:
    with pytest.raises(Forbidden):
        world.owner.put_glossary_term("Revenue", {})  # GLOBAL: platform admins only
    with pytest.raises(Forbidden):
        world.outsider.put_glossary_term("Revenue", {"domain": "sales"})
    with pytest.raises(Forbidden):
        world.analyst.put_glossary_term("Revenue", {"domain": "sales"})
    world.admin.put_glossary_term("Revenue", {"definition": "Money in."})
    contributor = user(world.admin, "contributor@company.com")
    world.admin.add_member("Sales", "contributor@company.com", "Contributor")
    contributor.put_glossary_term("Deal", {"domain": "sales", "definition": "draft"})
    with pytest.raises(Forbidden):  # approving is for the domain's Admins
        contributor.put_glossary_term("Deal", {"domain": "sales", "status": "approved"})
    world.owner.put_glossary_term("Deal", {"domain": "sales", "definition": "draft", "status": "approved"})
    with pytest.raises(Forbidden):  # an approved term is changed by Admins only
        contributor.put_glossary_term("Deal", {"domain": "sales", "definition": "mine now", "status": "approved"})
    with pytest.raises(Forbidden):
        contributor.delete_glossary_term("Deal")
    with pytest.raises(InvalidInput):  # nothing goes back to draft
        world.owner.put_glossary_term("Deal", {"domain": "sales"})
    world.owner.put_glossary_term("Deal", {"domain": "sales", "definition": "draft", "status": "deprecated"})
    with pytest.raises(InvalidInput):  # a deprecated term takes no new links
        world.owner.link_glossary_term("Deal", COLUMNS)
    world.owner.delete_glossary_term("Deal")
    with pytest.raises(NotFound):
        world.analyst.get_glossary_term("Deal")


def test_terms_are_versioned_and_searchable_by_name_synonym_and_definition(world: World) -> None:
    customer_terms(world)
    world.owner.put_glossary_term("Churn risk", {"domain": "sales", "parent": "Customer", "synonyms": ["attrition"]})
    versions = world.analyst.glossary_term_versions("Churn risk")
    assert [v.version for v in versions] == [2, 1]
    assert versions[1].document.synonyms == ["churn probability", "attrition risk"]
    assert [t.name for t in world.analyst.list_glossary_terms(q="ATTRITION")] == ["Churn risk"]
    assert [t.name for t in world.analyst.list_glossary_terms(q="relationship")] == ["Lifetime value"]
    assert [t.name for t in world.analyst.list_glossary_terms(parent="-")] == ["Customer"]
    assert world.analyst.get_glossary_term("churn RISK").links == 1
    # the old synonym no longer finds the product, the new one does
    assert not [h for h in world.analyst.search("churn probability") if h.kind == "product"]
    assert [h.qualified_name for h in world.analyst.search("attrition") if h.kind == "product"] == [
        "sales/customer-360"
    ]


def test_csv_export_imports_into_an_empty_glossary_unchanged(world: World, admin: Mesh) -> None:
    customer_terms(world)
    world.owner.put_glossary_term("Segment", {"domain": "sales", "related": ["Customer"], "owners": ["a", "b"]})
    text = world.analyst.export_glossary_csv()
    assert (
        text.splitlines()[0] == "name,domain,status,parent,owners,stewards,synonyms,related,classifications,definition"
    )
    before = {t.name: t for t in admin.list_glossary_terms()}
    for name in ["Segment", "Churn risk", "Lifetime value", "Customer"]:
        admin.delete_glossary_term(name)
    result = admin.import_glossary_csv(text)
    assert sorted(result.created) == sorted(before)
    after = {t.name: t for t in admin.list_glossary_terms()}
    for name, term in before.items():
        same = ("definition", "synonyms", "related", "parent", "owners", "domain", "status")
        assert {k: getattr(after[name], k) for k in same} == {k: getattr(term, k) for k in same}
    again = admin.import_glossary_csv(text)
    assert sorted(again.unchanged) == sorted(before) and not again.updated
    with pytest.raises(InvalidInput):
        admin.import_glossary_csv("name,colour\nx,red\n")
    with pytest.raises(InvalidInput):
        admin.import_glossary_csv("name,status\nx,maybe\n")


def test_suggestions_match_column_names_and_wait_for_review(world: World) -> None:
    world.owner.put_glossary_term("Churn risk", {"domain": "sales", "synonyms": ["attrition"]})
    suggested = world.owner.suggest_glossary_links("Churn risk")
    assert [s.target for s in suggested] == [f"{COLUMNS}.churn_risk"]
    assert suggested[0].status == "suggested"
    assert not [h for h in world.owner.search("churn risk", term="Churn risk") if h.kind == "product"]
    assert world.analyst.suggest_glossary_links("Churn risk") == []  # no table of theirs matches
    accepted = world.owner.link_glossary_term("Churn risk", f"{COLUMNS}.churn_risk")
    assert accepted.status == "linked"
    assert [h.kind for h in world.owner.search("", term="Churn risk")].count("product") == 1


def test_hostile_names_are_refused(world: World) -> None:
    for name in ["a/b", "   ", "---"]:
        with pytest.raises((InvalidInput, NotFound)):
            world.admin.put_glossary_term(name, {})
    with pytest.raises(InvalidInput):
        world.admin.put_glossary_term("X", {"colour": "red"})
    with pytest.raises(InvalidInput):
        world.admin.link_glossary_term("X", "not a target")


@pytest.mark.parametrize(
    "rule",
    [
        "columns linked to term 'Personal data' must have sensitivity_label is set",
        "!column.terms.exists(t, t == 'Personal data') || column.sensitivity_label != null",
    ],
)
def test_a_policy_over_a_term_flags_an_unlabelled_column_linked_to_it(world: World, rule: str) -> None:
    world.admin.put_glossary_term("Personal data", {"definition": "Anything that identifies a person."})
    policy = {"name": "pii-labelled", "description": "Personal data is labelled", "scope": "GLOBAL", "rule": rule}
    world.admin.put_policy(policy | ({} if rule.startswith("columns") else {"language": "cel"}))
    world.admin.evaluate_policies()
    assert not world.admin.list_violations(policy="pii-labelled")  # no column is linked to the term yet
    world.owner.link_glossary_term("Personal data", f"{COLUMNS}.segment")  # unlabelled
    world.owner.link_glossary_term("Personal data", f"{COLUMNS}.customer_name")  # labelled Highly Confidential
    world.admin.evaluate_policies()
    flagged = world.admin.list_violations(policy="pii-labelled")
    assert [v.subject_id for v in flagged] == ["column:sales/sales_lakehouse/gold_customer_360/segment"]


def test_a_definition_cannot_inject_script_into_the_term_page() -> None:
    shown = str(definition_html("**Customer** <script>alert(1)</script> [click](javascript:alert(1)) <img onerror=x>"))
    assert "<strong>Customer</strong>" in shown
    assert "<script" not in shown and "<img" not in shown and 'href="javascript' not in shown


def test_a_column_classified_as_email_is_suggested_for_the_terms_covering_email(world: World) -> None:
    owner = world.owner
    term = owner.put_glossary_term("Contact e-mail", {"domain": "sales", "classifications": [" Email ", "email"]})
    assert term.classifications == ["email"]
    assert owner.get_glossary_term("Contact e-mail").linked == []
    # A new table's first write classifies its columns: the e-mail column is suggested for the term at once.
    contacts = pa.table({"contact": ["ada@x.com", "alan@y.org", "grace@x.com", "ed@z.net"], "n": [1, 2, 3, 4]})
    owner.write_table("Sales", "sales_lakehouse", "contacts", contacts)
    linked = owner.get_glossary_term("Contact e-mail").linked
    assert [(link.target, link.status) for link in linked] == [("sales.sales_lakehouse.contacts.contact", "suggested")]
    assert linked[0].created_by == "classification"
    # A suggestion waits for a person: not in the table's terms or policies until someone accepts it.
    assert owner.table_glossary_terms("Sales", "sales_lakehouse", "contacts") == {}
    assert owner.link_glossary_term("Contact e-mail", "sales.sales_lakehouse.contacts.contact").status == "linked"
    assert [t.name for t in owner.table_glossary_terms("Sales", "sales_lakehouse", "contacts")["contact"]] == [
        "Contact e-mail"
    ]
    # Columns classified before the term existed are suggested on demand, to those who may link them only.
    owner.put_glossary_term("Reachable party", {"domain": "sales", "classifications": ["email"]})
    assert world.analyst.suggest_glossary_links("Reachable party") == []
    suggested = owner.suggest_glossary_links("Reachable party")
    assert {(s.target, s.status) for s in suggested} == {
        (f"{COLUMNS}.email", "suggested"),
        ("sales.sales_lakehouse.contacts.contact", "suggested"),
    }
    # Rejecting (unlinking) one sticks: scanning an already classified column again does not bring it back.
    owner.unlink_glossary_term("Reachable party", f"{COLUMNS}.email")
    owner.classify_table("sales", "sales_lakehouse", "gold_customer_360")
    assert [link.target for link in owner.get_glossary_term("Reachable party").linked] == [
        "sales.sales_lakehouse.contacts.contact"
    ]
    # The field is part of the versioned document and of the CSV.
    assert owner.glossary_term_versions("Reachable party")[0].document.classifications == ["email"]
    exported = owner.export_glossary_csv()
    assert "classifications" in exported.splitlines()[0] and ",email," in exported
