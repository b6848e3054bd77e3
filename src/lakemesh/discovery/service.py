"""Search over products, tables and columns: full text, typo tolerance, ranking, facets, visibility.

Ranking: a query word in the name, then in the tags, then full-text relevance weighted name > tags >
description > columns (bm25 on SQLite, field weights on PostgreSQL), times a factor for the kind (products
first) and the status (published before drafts); the quality score breaks ties. Facets count every hit
the caller may see, not only the page. The full-text match, typo candidates, visibility, filters, facets and
ordering run over the index snapshot (snapshot.py, patched per write by patch.py and layers.py), so a query
matching most of the catalog costs about as much as a narrow one. SQL is asked, in one round trip, for the
index's position and the caller's roles and grants (state.py), then for the page's documents (and on SQLite
bm25 of narrow matches).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import func, literal_column, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import object_session

from lakemesh.auth.models import Principal
from lakemesh.catalog import Catalog
from lakemesh.catalog.outbox import BATCH, consume, rewind
from lakemesh.catalog.tables.discovery import SearchDocumentRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Forbidden
from lakemesh.core.names import slugify
from lakemesh.discovery import state as index_state
from lakemesh.discovery.index import FTS, INDEXED, TERM_TAG, SearchIndex
from lakemesh.discovery.layers import Spellings
from lakemesh.discovery.models import FacetCount, SearchHit, SearchQuery, SearchResults
from lakemesh.discovery.patch import advance, worn
from lakemesh.discovery.snapshot import FACET_COLUMNS, BoolArray, FloatArray, IntArray, Snapshot, counts
from lakemesh.discovery.snapshot import load as load_snapshot
from lakemesh.discovery.state import CONSUMER, IndexState
from lakemesh.discovery.text import SHORT_QUERY_WORDS, max_typos, query_words

if TYPE_CHECKING:
    from lakemesh.catalog.tables.audit import OutboxRow

# Weights of name, tags, description and columns.
BM25_WEIGHTS = (10.0, 5.0, 2.0, 1.0)
# PostgreSQL relevance: the weights ts_rank was given for the tsvector's A (name), B (tags), C and D parts.
FIELD_WEIGHTS = {"name": 1.0, "tags": 0.5, "description": 0.2, "columns": 0.1}
D = SearchDocumentRow
# SQLite: bm25 is computed when the words match at most this many documents (for 5,000 rows it costs a few
# ms; for 90,000 ~70 ms). Beyond it the order within a tier is by quality score: words that common have
# near-zero inverse document frequency anyway.
RELEVANCE_LIMIT = 5_000


@dataclass(frozen=True)
class Matched:
    """The documents matching a query's words, whoever asks (visibility and filters come after)."""

    groups: list[list[str]]
    spellings: list[Spellings]  # per query word, the word codes it matched (see LayeredWords)
    mask: BoolArray
    count: int


class SearchService:
    def __init__(self, catalog: Catalog, clock: Clock) -> None:
        self._catalog = catalog
        self._clock = clock
        self.index = SearchIndex(is_sqlite=catalog.is_sqlite)
        self._lock = threading.Lock()
        self._current: Snapshot | None = None
        self._reloading: threading.Thread | None = None
        self._product_flags: dict[str, Callable[[], set[str]]] = {}

    def register_product_flag(self, name: str, source: Callable[[], set[str]]) -> None:
        """A yes/no facet and filter on products from a capability above (`has_open_incident` from incidents):
        `source` returns the ids of the products that have it, read at search time (no re-indexing)."""
        self._product_flags[name] = source

    # -- keeping the index current -----------------------------------------------------------------
    def catch_up(self, *, batches: int = 20) -> int:
        """Index outbox events not seen yet (after each indexed write, and from the scheduler for any a write left;
        the scheduler's run also moves the position past the events the index ignores)."""
        handled = 0
        for _ in range(batches):
            count = consume(self._catalog, CONSUMER, self._handle, now=self._clock.now(), interest=INDEXED)
            handled += count
            if count < BATCH:  # a short batch read up to the newest event
                break
        return handled

    def refresh(self) -> None:
        """Index what was just written and patch the snapshot with it, so the writer's next search is current
        and readers' searches do neither (run after each write that committed events the index acts on)."""
        self.catch_up()
        with self._lock:
            loaded = self._current is not None
        if loaded:
            with self._catalog.connect() as connection:
                self._snapshot(connection, index_state.read(connection, None, self._clock.now()).generation)

    def _handle(self, events: list[OutboxRow]) -> None:
        # Index in consume()'s own transaction: the documents and the cursor move together (and SQLite has
        # one writer, so a second transaction here would wait on the first).
        session = object_session(events[0])
        if session is None:
            raise RuntimeError("outbox events must come attached to consume()'s session")
        self.index.apply(session, events, self._clock.now())

    def rebuild(self, actor: Principal) -> int:
        """Re-read the outbox from the start (after a restore, or to pick up an index change)."""
        if not actor.is_platform_admin:
            raise Forbidden("Only platform admins rebuild the search index")
        with self._lock:
            self._current = None
        with self._catalog.transaction() as session:
            rewind(session, CONSUMER)
        return self.catch_up(batches=1_000_000)

    # -- search ----------------------------------------------------------------------------------
    def search(self, actor: Principal, query: SearchQuery) -> SearchResults:
        with self._catalog.connect() as connection:
            # Writers index their events before their write returns (refresh), so searches never index.
            state = index_state.read(connection, actor, self._clock.now())
            snapshot = self._snapshot(connection, state.generation)
            groups, corrected = _expand(snapshot, query_words(query.q))
            found = _matches(snapshot, groups)
            mask = found.mask & _visible(actor, state, snapshot) & _filtered(snapshot, query)
            flags = {name: _flagged(snapshot, source()) for name, source in self._product_flags.items()}
            if query.has_open_incident is not None and "has_open_incident" in flags:
                wanted = flags["has_open_incident"]
                mask &= snapshot.is_product & (wanted if query.has_open_incident else ~wanted)
            facets = _facets(snapshot, mask)
            for name, flagged in flags.items():
                products = mask & snapshot.is_product
                yes, no = int((products & flagged).sum()), int((products & ~flagged).sum())
                facets[name] = [FacetCount(value=v, count=c) for v, c in (("true", yes), ("false", no)) if c]
            page = self._rank(connection, snapshot, found, mask, query)
            hits = self._hits(connection, page)
        return SearchResults(query=query.q, total=int(mask.sum()), items=hits, facets=facets, corrected=corrected)

    def _snapshot(self, connection: Connection, generation: tuple[int, int]) -> Snapshot:
        """The snapshot of the current index generation: the last one patched with what changed since."""
        with self._lock:
            current = self._current
        if current is not None and current.generation != generation:
            current = advance(connection, current, generation)
        if current is None:
            current = load_snapshot(connection, generation)
        self._keep(current)
        if worn(current):
            self._reload_in_background()
        return current

    def _keep(self, snapshot: Snapshot) -> None:
        with self._lock:  # a search that read an older generation must not put it back over a newer one
            if self._current is None or self._current.generation <= snapshot.generation:
                self._current = snapshot

    def _reload_in_background(self) -> None:
        """Load a fresh snapshot off the search path once patches have piled up; searches go on meanwhile."""
        with self._lock:
            if self._reloading is not None:
                return
            self._reloading = threading.Thread(target=self._reload, name="search-snapshot", daemon=True)
        self._reloading.start()

    def _reload(self) -> None:
        try:
            with self._catalog.connect() as connection:
                state = index_state.read(connection, None, self._clock.now())
                fresh = load_snapshot(connection, state.generation)
                with self._lock:
                    current = self._current
                if current is not None and current.generation > fresh.generation:
                    fresh = advance(connection, fresh, current.generation) or current
                with self._lock:
                    self._current = fresh
        finally:
            with self._lock:
                self._reloading = None

    def close(self) -> None:
        """Wait for a background reload, so the catalog is not disposed under it."""
        with self._lock:
            reloading = self._reloading
        if reloading is not None:
            reloading.join()

    def _rank(
        self, connection: Connection, snapshot: Snapshot, found: Matched, mask: BoolArray, query: SearchQuery
    ) -> list[tuple[int, float]]:
        """The page's (document id, score), best first.

        Tiers (a query word in the name, then in the tags), kind and status are known for every hit. Text
        relevance: on PostgreSQL the best field each word is in, weighted as ts_rank's A-D weights, for every
        hit; on SQLite bm25 from FTS5 when the words match at most RELEVANCE_LIMIT documents (for broader
        queries it is left out, so the order within a tier is by quality score, then name).
        """
        hits = np.flatnonzero(mask)
        if not len(hits) or query.offset >= len(hits):
            return []
        groups = found.groups
        factor = snapshot.kind_factor[hits] * snapshot.status_factor[hits]
        tiers = np.zeros(len(hits), dtype=np.float64)
        weighted = np.zeros(len(hits), dtype=np.float64)
        for spellings in found.spellings:
            in_field = {name: snapshot.words.having(spellings, (name,))[hits] for name in FIELD_WEIGHTS}
            tiers += 100 * in_field["name"] + 10 * in_field["tags"]
            weighted += 10 * np.max([weight * in_field[name] for name, weight in FIELD_WEIGHTS.items()], axis=0)
        if not groups:
            relevance = np.ones(len(hits), dtype=np.float64)
        elif not self._catalog.is_sqlite:
            relevance = weighted
        elif found.count <= RELEVANCE_LIMIT:
            relevance = self._bm25(connection, snapshot.ids[hits], groups)
        else:
            relevance = np.zeros(len(hits), dtype=np.float64)
        scores = (tiers + relevance) * factor
        order = _page(snapshot, hits, scores, query.offset, query.offset + query.limit)
        return [(int(snapshot.ids[hits[i]]), float(scores[i])) for i in order]

    def _bm25(self, connection: Connection, doc_ids: IntArray, groups: list[list[str]]) -> FloatArray:
        """FTS5's bm25 of the given hits, weighted name > tags > description > columns."""
        ids = [int(i) for i in doc_ids]
        # One pass over the (few) matches: FTS5 re-runs MATCH for every rowid of an IN list.
        statement = select(FTS.c.rowid, -func.bm25(literal_column("search_fts"), *BM25_WEIGHTS)).where(
            literal_column("search_fts").op("MATCH")(_fts5_query(groups))
        )
        found = {int(doc_id): float(value or 0) for doc_id, value in connection.execute(statement)}
        return np.array([found.get(i, 0.0) for i in ids], dtype=np.float64)

    def _hits(self, connection: Connection, page: list[tuple[int, float]]) -> list[SearchHit]:
        if not page:
            return []
        scores = dict(page)
        found = {r.id: r for r in connection.execute(select(D).where(D.id.in_(list(scores))))}
        hits = []
        for doc_id, score in scores.items():
            row = found[doc_id]
            hits.append(
                SearchHit(
                    kind=row.kind,
                    id=row.object_id,
                    name=row.name,
                    qualified_name=row.qualified_name,
                    domain=row.domain,
                    owner=row.owner,
                    description=row.description,
                    tags=list(row.tags or []),
                    classification=row.classification,
                    status=row.status,
                    layer=row.layer,
                    quality_score=row.quality_score,
                    score=round(score, 6),
                )
            )
        return hits


def _visible(actor: Principal, state: IndexState, snapshot: Snapshot) -> BoolArray:
    """Published products for everyone; everything of your domains; tables and columns you hold a grant on."""
    if actor.is_platform_admin:
        return snapshot.live
    visible = snapshot.public_product | snapshot.domain_ids.where(state.domain_ids)
    if state.granted_table_ids:
        visible |= snapshot.is_table_or_column & snapshot.object_ids.where(state.granted_table_ids)
    return visible & snapshot.live


def _expand(snapshot: Snapshot, words: list[str]) -> tuple[list[list[str]], dict[str, list[str]]]:
    """Each query word with the indexed words within its typo budget (short queries, unknown words only)."""
    groups: list[list[str]] = []
    corrected: dict[str, list[str]] = {}
    for word in words:
        group = [word]
        typos = max_typos(word)
        if len(words) <= SHORT_QUERY_WORDS and typos and not snapshot.words.knows(word):
            close = snapshot.words.close_words(word, typos)
            if close:
                corrected[word] = close
                group.extend(close)
        groups.append(group)
    return groups, corrected


def _matches(snapshot: Snapshot, groups: list[list[str]]) -> Matched:
    """Documents holding every query word in any field (any spelling of it; the last word also as a prefix)."""
    if not groups:
        return Matched(groups, [], np.ones(snapshot.size, dtype=np.bool_), snapshot.size)
    mask = np.ones(snapshot.size, dtype=np.bool_)
    spellings = []
    for index, group in enumerate(groups):
        ranges = snapshot.words.spellings(group, prefix=group[0] if index == len(groups) - 1 else None)
        spellings.append(ranges)
        mask &= snapshot.words.having(ranges)
    return Matched(groups, spellings, mask, int(mask.sum()))


def _page(snapshot: Snapshot, hits: IntArray, scores: FloatArray, start: int, stop: int) -> IntArray:
    """Indexes into `hits` of ranks start..stop by score, then quality score, name and id (ORDER BY ... LIMIT).

    Only the best `stop` hits are sorted: a partition finds the boundary score, and ties at the boundary
    are cut by their precomputed (quality, name, id) rank.
    """
    rank = snapshot.order_rank[hits]
    chosen: IntArray = np.arange(len(hits))
    if len(hits) > stop:
        boundary = np.partition(-scores, stop - 1)[stop - 1]
        better = np.flatnonzero(-scores < boundary)
        ties = np.flatnonzero(-scores == boundary)
        room = stop - len(better)
        if room < len(ties):
            ties = ties[np.argpartition(rank[ties], room - 1)[:room]]
        chosen = np.concatenate([better, ties])
    ordered: IntArray = chosen[np.lexsort((rank[chosen], -scores[chosen]))]
    return ordered[start:stop]


def _filtered(snapshot: Snapshot, query: SearchQuery) -> BoolArray:
    """The query's filters as a mask: values of one filter OR-ed, different filters AND-ed."""
    mask = np.ones(snapshot.size, dtype=np.bool_)
    facets = snapshot.facets
    if query.domain:
        slugs = {slugify(d) for d in query.domain} | {slugify(d).removesuffix("-domain") for d in query.domain}
        mask &= facets["domain"].where(slugs)
    for wanted in (query.tag, [TERM_TAG + t for t in query.term]):
        if wanted:
            tagged = np.zeros(snapshot.size, dtype=np.bool_)
            tagged[snapshot.tag_doc[snapshot.tag_code.where([t.lower() for t in wanted])]] = True
            mask &= tagged
    for name, wanted in (("owner", query.owner), ("classification", query.classification), ("layer", query.layer)):
        if wanted:
            mask &= facets[name].where(wanted, lower=True)
    if query.status:
        mask &= facets["status"].where([s.lower() for s in query.status])
    if query.kind:
        mask &= facets["kind"].where(query.kind)
    return mask


def _flagged(snapshot: Snapshot, product_ids: set[str]) -> BoolArray:
    flagged: BoolArray = snapshot.object_ids.where(product_ids) & snapshot.is_product
    return flagged


def _facets(snapshot: Snapshot, mask: BoolArray) -> dict[str, list[FacetCount]]:
    """Counts over every visible hit (not only the page), most frequent first."""
    counted = {name: counts(snapshot.facets[name], mask) for name in FACET_COLUMNS}
    tags = counts(snapshot.tag_code, mask[snapshot.tag_doc])
    counted["tag"] = {v: n for v, n in tags.items() if not v.startswith(TERM_TAG)}
    counted["term"] = {v.removeprefix(TERM_TAG): n for v, n in tags.items() if v.startswith(TERM_TAG)}
    return {
        name: [FacetCount(value=v, count=c) for v, c in sorted(tally.items(), key=lambda item: (-item[1], item[0]))]
        for name, tally in counted.items()
    }


def _fts5_query(groups: list[list[str]]) -> str:
    """`("customer" OR "custmer") AND "segm"*`: every word quoted, the last one also as a prefix."""
    parts = []
    for index, group in enumerate(groups):
        options = [f'"{w}"' for w in group]
        if index == len(groups) - 1:
            options.append(f'"{group[0]}"*')
        parts.append("(" + " OR ".join(options) + ")")
    return " AND ".join(parts)
