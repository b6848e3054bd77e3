"""Search: the seed's discovery call, ranking, typo tolerance, facets and visibility."""

from __future__ import annotations

import pytest

from lakemesh.core.errors import InvalidInput
from lakemesh.mesh import Mesh
from tests.conftest import user


def test_the_seeds_search_returns_customer_360_first(mesh: Mesh) -> None:
    analyst = user(mesh, "marketing-analyst@company.com")
    results = analyst.search(query="customer", domain=["Sales", "Marketing"], limit=25)
    assert results.items[0].name == "Customer 360"
    assert results.items[0].qualified_name == "sales/customer-360"
    assert {h.domain for h in results} <= {"sales", "marketing"}
    for product in results:  # the seed's loop over the results
        assert product.name and product.domain and product.description is not None
    seed_style = analyst.search("customer", filters={"domain": ["Sales", "Marketing"]})
    assert [h.id for h in seed_style] == [h.id for h in results]


def test_ranking_puts_names_before_tags_and_descriptions(mesh: Mesh) -> None:
    names = [h.name for h in mesh.search("customer", kind="product")]
    assert names[0] == "Customer 360"
    assert set(names[1:]) >= {"Segment Targets", "Campaign Audience"}


def test_published_products_rank_before_drafts(mesh: Mesh) -> None:
    names = [h.name for h in mesh.search("customer", kind="product")]
    assert names.index("Customer Invoices") > names.index("Customer 360")


def test_typos_in_short_queries_are_forgiven(mesh: Mesh) -> None:
    results = mesh.search("custmer")
    assert results.items[0].name == "Customer 360"
    assert results.corrected["custmer"][0] == "customer"
    assert mesh.search("campain audeince").items[0].name == "Campaign Audience"


def test_prefixes_match_as_you_type(mesh: Mesh) -> None:
    assert mesh.search("segm").items[0].name == "Segment Targets"


def test_facets_count_every_visible_hit(mesh: Mesh) -> None:
    analyst = user(mesh, "marketing-analyst@company.com")
    results = analyst.search("customer", limit=1)
    assert len(results.items) == 1 and results.total == 3
    domains = {f.value: f.count for f in results.facets["domain"]}
    assert domains == {"sales": 1, "marketing": 2}
    assert {f.value: f.count for f in results.facets["tag"]}["customer"] == 3
    assert {f.value for f in results.facets["status"]} == {"published"}
    assert set(results.facets) >= {"domain", "tag", "owner", "classification", "status"}


def test_filters_narrow_results(mesh: Mesh) -> None:
    assert [h.name for h in mesh.search("", tag="retention")] == ["Campaign Audience"]
    assert {h.name for h in mesh.search("customer", classification="Internal")} == {"Segment Targets"}
    assert {h.name for h in mesh.search("", owner="marketing-data-team@company.com", kind="product")} == {
        "Segment Targets",
        "Campaign Audience",
    }
    assert {h.status for h in mesh.search("customer", status="draft")} == {"draft"}
    assert all(h.kind == "table" for h in mesh.search("gold", kind="table", layer="gold"))


def test_others_see_neither_drafts_nor_tables_of_other_domains(mesh: Mesh) -> None:
    outsider = user(mesh, "outsider@company.com")
    results = outsider.search("customer")
    assert {h.kind for h in results} == {"product"}
    assert "Customer Invoices" not in {h.name for h in results}
    assert all(f.value != "finance" for f in results.facets["domain"])
    assert outsider.search("invoices").total == 0
    assert outsider.search("", kind="column").total == 0


def test_members_see_their_domains_tables_and_columns(mesh: Mesh) -> None:
    steward = user(mesh, "finance-steward@company.com")
    mesh.add_member("Finance", "finance-steward@company.com", "Viewer")
    names = {h.qualified_name for h in steward.search("invoices")}
    assert "finance/customer-invoices" in names and "finance.finance_lakehouse.gold_invoices" in names
    columns = steward.search("lifetime", kind="column")
    assert {h.qualified_name for h in columns} == {"finance.finance_lakehouse.gold_invoices.lifetime_value"}


def test_the_index_follows_changes(mesh: Mesh) -> None:
    mesh.update_product("Marketing", "Segment Targets", description="Quarterly zeppelin plans.")
    assert mesh.search("zeppelin").items[0].name == "Segment Targets"
    mesh.delete_product("Finance", "Customer Invoices")
    assert "Customer Invoices" not in {h.name for h in mesh.search("invoices")}


@pytest.mark.parametrize(
    "query",
    [
        '"',
        'customer" OR 1=1 --',
        "NEAR(a b)",
        "*",
        "a:b",
        "'); DROP TABLE search_documents; --",
        "ü" * 70,
        "\x00",
        "AND",
    ],
)
def test_hostile_query_text_is_only_words(mesh: Mesh, query: str) -> None:
    results = mesh.search(query)
    assert results.total >= 0
    assert mesh.search("customer").items[0].name == "Customer 360"


def test_bad_filters_are_refused(mesh: Mesh) -> None:
    with pytest.raises(InvalidInput):
        mesh.search("customer", kind="galaxy")
    with pytest.raises(InvalidInput):
        mesh.search("customer", limit=0)


def test_broad_queries_rank_by_tier_and_keep_facets_exact(mesh: Mesh, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past RELEVANCE_LIMIT matches, text relevance is skipped; the tiers, visibility and facet counts are not."""
    from lakemesh.discovery import service

    analyst = user(mesh, "marketing-analyst@company.com")
    exact = analyst.search("customer", limit=1)
    monkeypatch.setattr(service, "RELEVANCE_LIMIT", 0)
    broad = analyst.search("customer", limit=1)
    assert broad.items[0].name == "Customer 360"
    assert broad.total == exact.total == 3
    assert broad.facets == exact.facets
    outsider = user(mesh, "outsider@company.com")
    assert "Customer Invoices" not in {h.name for h in outsider.search("customer")}


def test_paging_walks_every_visible_hit_once(mesh: Mesh) -> None:
    from lakemesh.discovery.models import SearchQuery

    def search(limit: int, offset: int = 0) -> list[str]:
        found = mesh.platform.discovery.search(mesh.principal, SearchQuery(limit=limit, offset=offset))
        return [h.qualified_name for h in found]

    everything = search(500)
    pages = [name for offset in range(0, len(everything), 7) for name in search(7, offset)]
    assert pages == everything and len(everything) > 7
    assert search(7, len(everything)) == []


def test_a_rebuilt_index_keeps_each_products_quality_score(mesh: Mesh) -> None:
    """Replaying the outbox hands a product's creation and its quality run to the indexer in one batch."""
    mesh.run_quality("Sales", "Customer 360")
    before = next(h for h in mesh.search("customer 360") if h.name == "Customer 360")
    assert before.quality_score is not None
    mesh.platform.discovery.rebuild(mesh.principal)
    after = next(h for h in mesh.search("customer 360") if h.name == "Customer 360")
    assert after.quality_score == before.quality_score
