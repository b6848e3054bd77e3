"""The search index, kept in step with the catalog by consuming the outbox.

Documents live in `search_documents` on both backends; SQLite also keeps an FTS5 row per document
(`search_fts`, same rowid), PostgreSQL a generated tsvector column. Reindexing an object is idempotent,
so events replayed after a crash are harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import column, delete, insert, select, table, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lakemesh.catalog.interest import Interest
from lakemesh.catalog.tables.discovery import SearchDocumentRow, SearchTagRow, SearchTermRow
from lakemesh.discovery.text import MAX_WORD, words
from lakemesh.domains.service import domain_by_id
from lakemesh.lakehouses.store import table_and_lakehouse, table_by_id
from lakemesh.products.reads import product_by_id, product_ids_on_table
from lakemesh.products.status import VISIBLE_TO_ALL

if TYPE_CHECKING:
    from lakemesh.catalog.tables.audit import OutboxRow

# The events `SearchIndex.apply` acts on: writers of any other event do not wait for the index.
INDEXED = Interest(resource_types=frozenset({"product", "table"}), types=frozenset({"domain.deleted"}))
# (column or "", term name, synonyms) of the glossary terms linked to a product (and its table) or to a table.
TermsSource = Callable[[Session, str | None, str | None], list[tuple[str, str, list[str]]]]
TERM_TAG = "term:"  # glossary terms are kept as tags with this prefix: the `term` facet and filter
FTS = table("search_fts", column("rowid"), column("name"), column("tags"), column("description"), column("columns"))


@dataclass
class Document:
    """What one searchable object contributes to the index."""

    key: str
    kind: str
    object_id: str
    parent_id: str | None
    domain_id: str
    domain: str
    name: str
    qualified_name: str
    description: str = ""
    tags: tuple[str, ...] = ()
    columns_text: str = ""
    owner: str | None = None
    classification: str | None = None
    status: str | None = None
    layer: str | None = None
    public: bool = False
    quality_score: float | None = None
    terms: tuple[tuple[str, list[str]], ...] = ()  # linked glossary terms and their synonyms

    @property
    def tags_text(self) -> str:
        """Tags, then linked terms and synonyms: a search for a term or a synonym ranks like one for a tag."""
        return " ".join([*self.tags, *(w for name, synonyms in self.terms for w in (name, *synonyms))])

    def fields(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "object_id": self.object_id,
            "parent_id": self.parent_id,
            "domain_id": self.domain_id,
            "domain": self.domain,
            "name": self.name[:256],
            "qualified_name": self.qualified_name[:400],
            "description": self.description,
            "tags_text": self.tags_text,
            "columns_text": self.columns_text,
            "tags": list(self.tags),
            "owner": self.owner,
            "classification": self.classification,
            "status": self.status,
            "layer": self.layer,
            "public": self.public,
        }


class SearchIndex:
    """Writes documents to the index inside a caller's transaction."""

    def __init__(self, *, is_sqlite: bool) -> None:
        self.is_sqlite = is_sqlite
        self._terms: list[TermsSource] = []

    def register_terms_source(self, source: TermsSource) -> None:
        """The glossary (a capability above) says which terms are linked to a product or table being indexed."""
        self._terms.append(source)

    def _linked_terms(
        self, session: Session, product_id: str | None, table_id: str | None
    ) -> list[tuple[str, str, list[str]]]:
        return [found for source in self._terms for found in source(session, product_id, table_id)]

    # -- events ----------------------------------------------------------------------------------
    def apply(self, session: Session, events: list[OutboxRow], now: datetime) -> None:
        products: set[str] = set()
        tables: set[str] = set()
        scores: dict[str, float] = {}
        for event in events:
            if event.resource_type == "product":
                products.add(event.resource_id)
                score = event.payload.get("quality_score", event.payload.get("score"))
                if event.type.startswith("quality.") and isinstance(score, int | float):
                    scores[event.resource_id] = float(score)
            elif event.resource_type == "table":
                tables.add(event.resource_id)
                if event.payload.get("reindex_products"):  # the table's glossary terms are its products' too
                    products.update(product_ids_on_table(session, event.resource_id))
            elif event.resource_type == "domain" and event.type == "domain.deleted":
                self.delete_where(session, SearchDocumentRow.domain_id == event.resource_id)
        for product_id in products:
            self.index_product(session, product_id, now)
        for table_id in tables:
            self.index_table(session, table_id, now)
        for product_id, score in scores.items():  # after indexing: a product created in this batch has a row now
            self.set_quality(session, product_id, score)

    def set_quality(self, session: Session, product_id: str, score: float) -> None:
        """Quality runs report a score (0..1 or 0..100); it breaks ties between equally relevant products."""
        value = score / 100 if score > 1 else score
        session.execute(
            update(SearchDocumentRow)
            .where(SearchDocumentRow.key == f"product:{product_id}")
            .values(quality_score=value)
        )

    # -- objects ---------------------------------------------------------------------------------
    def index_product(self, session: Session, product_id: str, now: datetime) -> None:
        found = product_by_id(session, product_id)
        if found is None:
            self.delete_where(session, SearchDocumentRow.key == f"product:{product_id}")
            return
        product, domain = found
        table = table_by_id(session, product.table_id)
        layer = table.layer if table is not None else None
        schema = (product.spec or {}).get("contract", {}).get("schema", {})
        columns = " ".join(
            f"{name} {definition.get('description') or ''}"
            for name, definition in schema.items()
            if isinstance(definition, dict)
        )
        self.put(
            session,
            Document(
                key=f"product:{product.id}",
                kind="product",
                object_id=product.id,
                parent_id=product.table_id,
                domain_id=domain.id,
                domain=domain.slug,
                name=product.name,
                qualified_name=f"{domain.slug}/{product.slug}",
                description=product.description or "",
                tags=tuple(str(t) for t in product.tags or []),
                columns_text=columns,
                owner=product.owner,
                classification=product.classification,
                status=product.status,
                layer=layer,
                public=product.status in VISIBLE_TO_ALL,
                terms=_terms(self._linked_terms(session, product.id, product.table_id)),
            ),
            now,
        )

    def index_table(self, session: Session, table_id: str, now: datetime) -> None:
        found = table_and_lakehouse(session, table_id)
        domain = domain_by_id(session, found[0].domain_id) if found is not None else None
        self.delete_where(session, SearchDocumentRow.parent_id == table_id, SearchDocumentRow.kind == "column")
        if found is None or domain is None:
            self.delete_where(session, SearchDocumentRow.key == f"table:{table_id}")
            return
        row, lakehouse = found
        qualified = f"{domain.slug}.{lakehouse.name}.{row.name}"
        columns = list(row.columns or [])
        linked = self._linked_terms(session, None, row.id)
        base: dict[str, Any] = {
            "domain_id": domain.id,
            "domain": domain.slug,
            "layer": row.layer,
            "owner": lakehouse.data_steward,
        }
        self.put(
            session,
            Document(
                key=f"table:{row.id}",
                kind="table",
                object_id=row.id,
                parent_id=lakehouse.id,
                name=row.name,
                qualified_name=qualified,
                description=row.description or "",
                columns_text=" ".join(f"{c['name']} {c.get('description') or ''}" for c in columns),
                terms=_terms(linked),
                **base,
            ),
            now,
        )
        for col in columns:
            label = col.get("sensitivity_label")
            self.put(
                session,
                Document(
                    key=f"column:{row.id}:{str(col['name']).lower()}"[:200],
                    kind="column",
                    object_id=row.id,
                    parent_id=row.id,
                    name=str(col["name"]),
                    qualified_name=f"{qualified}.{col['name']}",
                    description=col.get("description") or "",
                    tags=(str(label),) if label else (),
                    classification=label,
                    terms=_terms([t for t in linked if t[0] == str(col["name"])]),
                    **base,
                ),
                now,
            )

    # -- storage ---------------------------------------------------------------------------------
    def put(self, session: Session, document: Document, now: datetime) -> int:
        values = {**document.fields(), "updated_at": now}
        existing = session.scalar(select(SearchDocumentRow.id).where(SearchDocumentRow.key == document.key))
        if existing is None:
            doc_id = int(
                session.execute(insert(SearchDocumentRow).values(**values).returning(SearchDocumentRow.id)).scalar_one()
            )
        else:
            doc_id = int(existing)
            session.execute(update(SearchDocumentRow).where(SearchDocumentRow.id == doc_id).values(**values))
            session.execute(delete(SearchTagRow).where(SearchTagRow.document_id == doc_id))
        tags = sorted(
            {t.lower()[:128] for t in document.tags if t.strip()}
            | {(TERM_TAG + name.lower())[:128] for name, _ in document.terms}
        )
        if tags:
            session.execute(insert(SearchTagRow), [{"document_id": doc_id, "tag": t} for t in tags])
        if self.is_sqlite:
            session.execute(delete(FTS).where(FTS.c.rowid == doc_id))
            session.execute(
                insert(FTS).values(
                    rowid=doc_id,
                    name=values["name"],
                    tags=values["tags_text"],
                    description=values["description"],
                    columns=values["columns_text"],
                )
            )
        self.add_terms(session, f"{document.name} {values['tags_text']} {document.description} {document.columns_text}")
        return doc_id

    def put_many(self, session: Session, documents: list[Document], now: datetime) -> None:
        """Load many documents in one transaction (rebuilds, benchmarks)."""
        for document in documents:
            self.put(session, document, now)

    def add_terms(self, session: Session, text: str) -> None:
        terms = sorted({w for w in words(text) if 2 <= len(w) <= MAX_WORD})
        if not terms:
            return
        dialect = sqlite if self.is_sqlite else postgresql
        statement = dialect.insert(SearchTermRow).on_conflict_do_nothing(index_elements=["term"])
        session.execute(statement, [{"term": t} for t in terms])

    def delete_where(self, session: Session, *conditions: Any) -> None:
        ids = list(session.scalars(select(SearchDocumentRow.id).where(*conditions)))
        if not ids:
            return
        if self.is_sqlite:
            session.execute(delete(FTS).where(FTS.c.rowid.in_(ids)))
        session.execute(delete(SearchTagRow).where(SearchTagRow.document_id.in_(ids)))
        session.execute(delete(SearchDocumentRow).where(SearchDocumentRow.id.in_(ids)))


def _terms(linked: list[tuple[str, str, list[str]]]) -> tuple[tuple[str, list[str]], ...]:
    """Each linked term once, with its synonyms, in name order."""
    by_name = {name: synonyms for _, name, synonyms in linked}
    return tuple(sorted(by_name.items()))
