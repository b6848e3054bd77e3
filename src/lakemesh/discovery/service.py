"""Search over products, tables and columns: full text, typo tolerance, ranking, facets, visibility.

Ranking: full-text relevance weighted name > tags > description > columns (bm25 on SQLite, ts_rank on
PostgreSQL), times a factor for the kind (products first) and the status (published before drafts);
the quality score breaks ties. Facets count every hit the caller may see, not only the page.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Select, and_, case, cast, func, literal_column, or_, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlalchemy.orm import object_session

from lakemesh.access import store as access_store
from lakemesh.auth.models import Principal
from lakemesh.catalog import Catalog
from lakemesh.catalog.outbox import consume, position
from lakemesh.catalog.tables import OutboxRow, RoleAssignmentRow
from lakemesh.catalog.tables.access import SearchDocumentRow, SearchTagRow, SearchTermRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Forbidden
from lakemesh.core.names import slugify
from lakemesh.discovery.index import FTS, SearchIndex
from lakemesh.discovery.models import FacetCount, SearchHit, SearchQuery, SearchResults
from lakemesh.discovery.text import SHORT_QUERY_WORDS, close_terms, max_typos, query_words

CONSUMER = "search-index"
# Weights of name, tags, description and columns.
BM25_WEIGHTS = (10.0, 5.0, 2.0, 1.0)
TS_WEIGHTS = [0.1, 0.2, 0.5, 1.0]  # ts_rank's order is D (columns), C (description), B (tags), A (name)
D = SearchDocumentRow


class SearchService:
    def __init__(self, catalog: Catalog, clock: Clock) -> None:
        self._catalog = catalog
        self._clock = clock
        self.index = SearchIndex(is_sqlite=catalog.is_sqlite)

    # -- keeping the index current -----------------------------------------------------------------
    def catch_up(self, *, batches: int = 20) -> int:
        """Index outbox events not seen yet (the scheduler calls this; so does every search, for read-your-writes)."""
        handled = 0
        for _ in range(batches):
            count = consume(self._catalog, CONSUMER, self._handle, now=self._clock.now())
            handled += count
            if count == 0:
                break
        return handled

    def _handle(self, events: list[OutboxRow]) -> None:
        # Index in consume()'s own transaction: the documents and the cursor move together (and SQLite has
        # one writer, so a second transaction here would wait on the first).
        session = object_session(events[0])
        if session is None:
            raise RuntimeError("outbox events must come attached to consume()'s session")
        self.index.apply(session, events, self._clock.now())

    def behind(self) -> bool:
        with self._catalog.connect() as connection:
            latest = connection.scalar(select(func.max(OutboxRow.id))) or 0
        return int(latest) > position(self._catalog, CONSUMER)

    def rebuild(self, actor: Principal) -> int:
        """Re-read the outbox from the start (after a restore, or to pick up an index change)."""
        if not actor.is_platform_admin:
            raise Forbidden("Only platform admins rebuild the search index")
        from lakemesh.catalog.tables import OutboxCursorRow

        with self._catalog.transaction() as session:
            cursor = session.get(OutboxCursorRow, CONSUMER)
            if cursor is not None:
                cursor.last_id = 0
        return self.catch_up(batches=1_000_000)

    # -- search ----------------------------------------------------------------------------------
    def search(self, actor: Principal, query: SearchQuery) -> SearchResults:
        if self.behind():
            self.catch_up(batches=2)
        with self._catalog.connect() as connection:
            words = query_words(query.q)
            groups, corrected = self._expand(connection, words)
            ranked, base = self._candidates(connection, actor, query, groups)
            page = list(connection.execute(ranked.offset(query.offset).limit(query.limit)).all())
            hits = self._hits(connection, page)
            facets, total = self._facets(connection, base.subquery())
        return SearchResults(query=query.q, total=total, items=hits, facets=facets, corrected=corrected)

    def _facets(self, connection: Connection, matched: Any) -> tuple[dict[str, list[FacetCount]], int]:
        """Counts in SQL over every visible hit: one GROUP BY for the scalar facets, one for tags."""
        names = ("domain", "owner", "classification", "status", "kind", "layer")
        counters: dict[str, Counter[str]] = {name: Counter() for name in (*names, "tag")}
        total = 0
        grouped = select(*(matched.c[n] for n in names), func.count()).group_by(*(matched.c[n] for n in names))
        for row in connection.execute(grouped):
            count = int(row[-1])
            total += count
            for name, value in zip(names, row[:-1], strict=True):
                if value:
                    counters[name][str(value)] += count
        if total:
            tags = select(SearchTagRow.tag, func.count()).where(SearchTagRow.document_id.in_(select(matched.c.id)))
            for tag, count in connection.execute(tags.group_by(SearchTagRow.tag)):
                counters["tag"][str(tag)] += int(count)
        facets = {
            name: [
                FacetCount(value=v, count=c) for v, c in sorted(counter.items(), key=lambda item: (-item[1], item[0]))
            ]
            for name, counter in counters.items()
        }
        return facets, total

    def _expand(self, connection: Connection, words: list[str]) -> tuple[list[list[str]], dict[str, list[str]]]:
        """Each query word with the indexed words within its typo budget (short queries only)."""
        groups: list[list[str]] = []
        corrected: dict[str, list[str]] = {}
        for word in words:
            group = [word]
            if len(words) <= SHORT_QUERY_WORDS and max_typos(word):
                known = connection.scalar(select(SearchTermRow.term).where(SearchTermRow.term == word))
                if known is None:
                    limit = max_typos(word)
                    candidates = connection.scalars(
                        select(SearchTermRow.term).where(
                            SearchTermRow.term >= word[0],
                            SearchTermRow.term < chr(ord(word[0]) + 1),
                            func.length(SearchTermRow.term).between(len(word) - limit, len(word) + limit),
                        )
                    ).all()
                    close = close_terms(word, list(candidates))
                    if close:
                        corrected[word] = close
                        group.extend(close)
            groups.append(group)
        return groups, corrected

    def _candidates(
        self, connection: Connection, actor: Principal, query: SearchQuery, groups: list[list[str]]
    ) -> tuple[Select[Any], Select[Any]]:
        """The ranked hits, and the same hits unranked (cheaper, for facets and the total)."""
        kind_factor = case((D.kind == "product", 1.0), (D.kind == "table", 0.8), else_=0.6)
        status_factor = case(
            (D.status == "published", 1.0), (D.status == "deprecated", 0.7), (D.status.is_(None), 0.9), else_=0.5
        )
        columns = [D.id, D.domain, D.owner, D.classification, D.status, D.kind, D.layer]
        statement: Any
        if not groups:
            relevance: Any = literal_column("1.0")
            statement = select(*columns, (relevance * kind_factor * status_factor).label("score"))
        elif self._catalog.is_sqlite:
            relevance = -func.bm25(literal_column("search_fts"), *BM25_WEIGHTS)
            statement = (
                select(*columns, (relevance * kind_factor * status_factor).label("score"))
                .select_from(FTS)
                .join(D, D.id == FTS.c.rowid)
                .where(literal_column("search_fts").op("MATCH")(_fts5_query(groups)))
            )
        else:
            tsquery = func.to_tsquery("simple", _tsquery(groups))
            tsv: Any = literal_column("search_documents.tsv")
            relevance = func.ts_rank(
                cast(postgresql.array(TS_WEIGHTS), postgresql.ARRAY(postgresql.REAL)), tsv, tsquery
            )
            statement = select(*columns, (relevance * 10 * kind_factor * status_factor).label("score")).where(
                tsv.op("@@")(tsquery)
            )
        if groups:
            # Tiers first (a word in the name beats one in the tags, which beats text relevance), then bm25/ts_rank.
            tiers: Any = sum(
                (_hits_in(D.name, g) * 100 + _hits_in(D.tags_text, g) * 10 for g in groups), literal_column("0")
            )
            score = ((tiers + relevance) * kind_factor * status_factor).label("score")
            statement = statement.with_only_columns(*columns, score)
        statement = statement.where(*self._filters(query), self._visible(connection, actor))
        ordered: Select[Any] = statement.order_by(
            literal_column("score").desc(), func.coalesce(D.quality_score, 0).desc(), D.name, D.id
        )
        base: Select[Any] = statement.with_only_columns(*columns)
        return ordered, base

    def _filters(self, query: SearchQuery) -> list[Any]:
        filters: list[Any] = []
        if query.domain:
            slugs = {slugify(d) for d in query.domain} | {slugify(d).removesuffix("-domain") for d in query.domain}
            filters.append(D.domain.in_(sorted(slugs)))
        if query.tag:
            tagged = select(SearchTagRow.document_id).where(SearchTagRow.tag.in_([t.lower() for t in query.tag]))
            filters.append(D.id.in_(tagged))
        if query.owner:
            filters.append(func.lower(D.owner).in_([o.lower() for o in query.owner]))
        if query.classification:
            filters.append(func.lower(D.classification).in_([c.lower() for c in query.classification]))
        if query.layer:
            filters.append(func.lower(D.layer).in_([layer.lower() for layer in query.layer]))
        if query.status:
            filters.append(D.status.in_([s.lower() for s in query.status]))
        if query.kind:
            filters.append(D.kind.in_(query.kind))
        return filters

    def _visible(self, connection: Connection, actor: Principal) -> Any:
        """Published products for everyone; everything of your domains; tables and columns you hold a grant on."""
        if actor.is_platform_admin:
            return literal_column("1") == 1
        mine = select(RoleAssignmentRow.domain_id).where(RoleAssignmentRow.principal_id == actor.id)
        granted = access_store.granted_table_ids(connection, actor.id, self._clock.now())
        conditions = [and_(D.kind == "product", D.public.is_(True)), D.domain_id.in_(mine)]
        if granted:
            conditions.append(and_(D.kind.in_(("table", "column")), D.object_id.in_(sorted(granted))))
        return or_(*conditions)

    def _hits(self, connection: Connection, page: list[Any]) -> list[SearchHit]:
        if not page:
            return []
        scores = {row.id: float(row.score or 0) for row in page}
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


def _hits_in(column: Any, group: list[str]) -> Any:
    """1 when any spelling of a query word appears in the column (words are letters and digits: no LIKE escapes)."""
    return case((or_(*[func.lower(column).like(f"%{word}%") for word in group]), 1), else_=0)


def _fts5_query(groups: list[list[str]]) -> str:
    """`("customer" OR "custmer") AND "segm"*`: every word quoted, the last one also as a prefix."""
    parts = []
    for index, group in enumerate(groups):
        options = [f'"{w}"' for w in group]
        if index == len(groups) - 1:
            options.append(f'"{group[0]}"*')
        parts.append("(" + " OR ".join(options) + ")")
    return " AND ".join(parts)


def _tsquery(groups: list[list[str]]) -> str:
    parts = []
    for index, group in enumerate(groups):
        options = list(group)
        if index == len(groups) - 1:
            options.append(f"{group[0]}:*")
        parts.append("(" + " | ".join(options) + ")")
    return " & ".join(parts)
