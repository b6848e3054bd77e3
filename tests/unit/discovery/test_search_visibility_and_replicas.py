"""Search as several replicas and several callers see it: facets never count what the caller may not see,
grants open tables up in results and facets alike, and a write on one replica shows on another's next search."""

from __future__ import annotations

from collections import Counter

from lakemesh.mesh import Mesh
from lakemesh.platform import Platform
from tests.conftest import user


def _facet(results: object, name: str) -> dict[str, int]:
    return {f.value: f.count for f in results.facets[name]}  # type: ignore[attr-defined]


def test_facets_count_only_what_the_caller_may_see(mesh: Mesh) -> None:
    outsider = user(mesh, "outsider@company.com")
    everything = outsider.search("", limit=500)
    seen = everything.items
    assert everything.total == len(seen) and {h.kind for h in seen} == {"product"}
    assert _facet(everything, "domain") == dict(Counter(h.domain for h in seen))
    assert _facet(everything, "owner") == dict(Counter(h.owner for h in seen if h.owner))
    assert _facet(everything, "classification") == dict(Counter(h.classification for h in seen if h.classification))
    assert _facet(everything, "status") == {"published": len(seen)}
    assert _facet(everything, "tag") == dict(Counter(t.lower() for h in seen for t in h.tags))
    # The Finance draft's tag, domain and status exist in the index but not for this caller.
    assert "finance" not in _facet(everything, "tag") and "finance" not in _facet(everything, "domain")
    hidden = outsider.search("invoices")
    assert hidden.total == 0 and all(not counts for counts in hidden.facets.values())


def test_a_grant_shows_the_products_table_and_columns_in_results_and_facets(mesh: Mesh) -> None:
    analyst = user(mesh, "marketing-analyst@company.com")
    assert analyst.search("", kind="table").total == 0
    request = analyst.request_access("sales/customer-360", "campaign targeting")
    mesh.approve_access_request(request.id)
    tables = analyst.search("", kind="table")
    assert [h.qualified_name for h in tables] == ["sales.sales_lakehouse.gold_customer_360"]
    assert _facet(tables, "kind") == {"table": 1} and _facet(tables, "domain") == {"sales": 1}
    columns = analyst.search("", kind="column", limit=500)
    assert columns.total > 0 and {h.qualified_name.rsplit(".", 1)[0] for h in columns} == {
        "sales.sales_lakehouse.gold_customer_360"
    }
    assert _facet(columns, "domain") == {"sales": columns.total}


def test_a_write_on_one_replica_shows_in_the_next_search_on_another(mesh: Mesh) -> None:
    other = Platform(mesh.platform.settings)  # a second API replica on the same catalog
    try:
        replica = Mesh(other, other.principals.bootstrap_admin())
        assert replica.search("zeppelin").total == 0  # the replica has built its snapshot
        mesh.update_product("Marketing", "Segment Targets", description="Quarterly zeppelin plans.")
        assert replica.search("zeppelin").items[0].name == "Segment Targets"  # indexed by the replica itself
        mesh.update_product("Marketing", "Segment Targets", description="Quarterly airship plans.")
        assert mesh.search("airship").total == 1  # indexed here: the replica is no longer behind the outbox...
        assert replica.search("zeppelin").total == 0  # ...but its snapshot is stale, and is not used
        assert replica.search("airship").items[0].name == "Segment Targets"
        assert "Customer Invoices" in {h.name for h in replica.search("invoices")}
        mesh.delete_product("Finance", "Customer Invoices")
        assert "Customer Invoices" not in {h.name for h in mesh.search("invoices")}
        assert "Customer Invoices" not in {h.name for h in replica.search("invoices")}
    finally:
        other.close()


def test_words_match_without_diacritics_and_in_any_field(mesh: Mesh) -> None:
    mesh.update_product("Marketing", "Segment Targets", description="Résumé of the café's crème brûlée buyers.")
    assert mesh.search("cafe").items[0].name == "Segment Targets"
    assert mesh.search("CRÈME brulee").items[0].name == "Segment Targets"
    assert mesh.search("lifetime_value").total >= 1  # a column name, split at `_` like any other word
