"""Search after writes: the snapshot patched write by write answers exactly as one loaded from scratch."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import numpy as np
import pytest

from lakemesh.demo import data as demodata
from lakemesh.discovery import layers
from lakemesh.discovery.layers import LayeredWords
from lakemesh.discovery.models import SearchQuery, SearchResults
from lakemesh.discovery.service import SearchService
from lakemesh.discovery.wordindex import FIELDS
from lakemesh.mesh import Mesh
from tests.conftest import user

QUERIES = [
    SearchQuery(),
    SearchQuery(q="customer"),
    SearchQuery(q="custmer"),
    SearchQuery(q="churn"),
    SearchQuery(q="loyal"),
    SearchQuery(q="name", kind=["column"]),
    SearchQuery(q="seg"),
    SearchQuery(q="campaign", tag=["marketing"]),
    SearchQuery(classification=["Confidential"]),
]


def answers(service: SearchService, mesh: Mesh, readers: list[Mesh]) -> list[SearchResults]:
    return [service.search(who.principal, query) for who in [mesh, *readers] for query in QUERIES]


def test_writes_are_patched_in_and_answer_as_a_fresh_load(mesh: Mesh) -> None:
    readers = [user(mesh, "marketing-analyst@company.com"), user(mesh, "outsider@company.com")]
    mesh.add_member("Marketing", "marketing-analyst@company.com", "Viewer")
    search = mesh.platform.discovery
    answers(search, mesh, readers)  # the snapshot every later search patches

    mesh.update_product("Sales", "Customer 360", description="Loyal customers and their churn risk.")
    mesh.update_product("Marketing", "Segment Targets", tags=["marketing", "loyalty"])
    mesh.update_table(
        "Sales",
        "sales_lakehouse",
        "gold_customer_360",
        columns={"customer_name": {"description": "Loyal customer's name", "sensitivity_label": "Confidential"}},
    )
    mesh.write_table("Finance", "finance_lakehouse", "silver_churn", demodata.campaigns(now=datetime.now(UTC)))
    mesh.publish_product("Finance", "Customer Invoices")
    mesh.delete_table("Marketing", "marketing_lakehouse", "silver_campaigns")
    patched = answers(search, mesh, readers)

    snapshot = search._current
    assert snapshot is not None and len(snapshot.words.layers) > 1, "the writes were patched in, not reloaded"
    fresh = answers(fresh_service(mesh), mesh, readers)
    assert patched == fresh
    assert "Customer Invoices" in {h.name for h in readers[1].search("customer")}
    assert not readers[0].search("silver campaigns", kind=["table"]).items


def fresh_service(mesh: Mesh) -> SearchService:
    """A search service loaded from scratch, with the product flags capabilities register (`has_open_incident`)."""
    fresh = SearchService(mesh.platform.catalog, mesh.platform.clock)
    fresh.register_product_flag("has_open_incident", mesh.platform.incidents.open_products)
    return fresh


def test_a_deleted_product_leaves_every_search_and_facet(mesh: Mesh) -> None:
    before = mesh.search("invoices")
    mesh.delete_product("Finance", "Customer Invoices")
    results = mesh.search("invoices")
    assert "Customer Invoices" in {h.name for h in before}
    assert "Customer Invoices" not in {h.name for h in results if h.kind == "product"}
    assert results.facets["status"] != before.facets["status"]
    fresh = fresh_service(mesh).search(mesh.principal, SearchQuery(q="invoices"))
    assert results == fresh


@pytest.mark.parametrize("rounds", [3, layers.MAX_LAYERS + 4])
def test_layered_words_match_like_one_index_built_from_the_same_texts(rounds: int) -> None:
    rng = random.Random(rounds)
    vocabulary = [f"w{i}" for i in range(40)]

    def text() -> dict[str, str]:
        return {name: " ".join(rng.sample(vocabulary, 3)) for name in FIELDS}

    texts = [text() for _ in range(60)]
    index = LayeredWords.build({name: [t[name] for t in texts] for name in FIELDS})
    alive = [True] * len(texts)
    for _ in range(rounds):  # rewrite a few, append a few, delete one
        changed = {rng.randrange(len(texts)): text() for _ in range(4)}
        changed.update({len(texts) + i: text() for i in range(2)})
        texts.extend(dict.fromkeys(FIELDS, "") for _ in range(2))
        alive.extend([True, True])
        for position, new in changed.items():
            texts[position] = new
            alive[position] = True
        gone = rng.choice([p for p in range(len(texts)) if p not in changed])
        alive[gone] = False
        index = index.with_changes(len(texts), changed, np.array([gone], dtype=np.int64))
    assert len(index.layers) <= layers.MAX_LAYERS + 2
    whole = LayeredWords.build({name: [t[name] if alive[i] else "" for i, t in enumerate(texts)] for name in FIELDS})
    for word in [*vocabulary, "w"]:
        for fields in (FIELDS, ("name",)):
            got = index.having(index.spellings([word], prefix=word), fields)
            want = whole.having(whole.spellings([word], prefix=word), fields)
            assert got.tolist() == want.tolist(), (word, fields)
