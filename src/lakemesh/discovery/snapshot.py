"""A columnar copy of the search index, rebuilt once per index generation: facets, ranking fields and words.

Counting facets over every visible hit and ordering tens of thousands of hits is what made broad queries
slow in SQL (a six-column GROUP BY and a full sort per search), and matching a common word meant reading
tens of thousands of ids back. The snapshot holds, per document, small integer codes for each facet value,
the visibility fields, the quality score, the name's sort rank and the words of every field (wordindex.py);
a search then matches, applies visibility and filters as array masks and counts with `bincount`, exactly,
whatever the number of hits. Only text relevance for a bounded candidate set still runs in SQL.

A generation is the search-index consumer's outbox position plus the largest document id. A new generation
is reached from the last one by patching in only the documents its events changed (patch.py); every replica
reads the position from the catalog on each search, so a write indexed anywhere is seen by the next search
everywhere. Snapshots are immutable and swapped whole, so concurrent searches never see a half-built one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Select, select
from sqlalchemy.engine import Connection, Row

from lakemesh.catalog.tables.discovery import SearchDocumentRow, SearchTagRow
from lakemesh.discovery.layers import LayeredWords
from lakemesh.products.status import ProductStatus

D = SearchDocumentRow
FACET_COLUMNS = ("domain", "owner", "classification", "status", "kind", "layer")
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Codes:
    """One text column as codes into `values` (code 0 is NULL)."""

    codes: IntArray
    values: list[str | None]
    lookup: dict[str | None, int]

    @classmethod
    def encode(cls, column: Iterable[str | None]) -> Codes:
        items = list(column)
        values: list[str | None] = [None, *(v for v in dict.fromkeys(items) if v is not None)]
        lookup = {value: code for code, value in enumerate(values)}
        codes = np.fromiter(map(lookup.__getitem__, items), dtype=np.int64, count=len(items))
        return cls(codes, values, lookup)

    def where(self, wanted: Iterable[str], *, lower: bool = False) -> BoolArray:
        """Rows whose value is one of `wanted` (compared lower-cased with `lower`)."""
        if lower:
            targets = {w.lower() for w in wanted}
            hits = [code for value, code in self.lookup.items() if value is not None and value.lower() in targets]
        else:  # one lookup per wanted value, not a pass over every value (object ids are one per document)
            hits = [self.lookup[value] for value in set(wanted) if value in self.lookup]
        return np.isin(self.codes, np.array(hits, dtype=np.int64))

    def with_values(self, size: int, positions: IntArray, values: Sequence[str | None]) -> Codes:
        """These codes grown to `size` (new positions NULL), with `values` written at `positions`."""
        new = [v for v in dict.fromkeys(values) if v not in self.lookup]
        known, lookup = self.values, self.lookup
        if new:
            known = [*known, *new]
            lookup = {**lookup, **{value: len(self.values) + i for i, value in enumerate(new)}}
        codes = np.zeros(size, dtype=np.int64)
        codes[: len(self.codes)] = self.codes
        codes[positions] = np.fromiter(map(lookup.__getitem__, values), dtype=np.int64, count=len(values))
        return Codes(codes, known, lookup)


@dataclass(frozen=True)
class Snapshot:
    generation: tuple[int, int]
    ids: IntArray  # sorted document ids; a document's position is its index here
    live: BoolArray  # False where the document was deleted since the snapshot was loaded
    facets: dict[str, Codes]
    domain_ids: Codes
    object_ids: Codes
    public_product: BoolArray
    is_product: BoolArray
    is_table_or_column: BoolArray
    quality: FloatArray
    order_rank: IntArray  # position in (quality desc, name, id) order: how equal scores are ordered
    by_order: IntArray  # the live positions in that order
    names: list[str]
    kind_factor: FloatArray
    status_factor: FloatArray
    tag_doc: IntArray  # one entry per (document, tag): the document's position ...
    tag_code: Codes  # ... and the tag
    words: LayeredWords  # the words of name, tags, description and columns

    @property
    def size(self) -> int:
        return len(self.ids)

    def positions(self, doc_ids: Sequence[int] | IntArray) -> IntArray:
        """Positions of the given ids (ids unknown to this snapshot are dropped)."""
        wanted = np.asarray(doc_ids, dtype=np.int64)
        at = np.searchsorted(self.ids, wanted)
        inside = at < len(self.ids)
        at, wanted = at[inside], wanted[inside]
        found: IntArray = at[self.ids[at] == wanted]
        return found


def document_rows() -> Select[Any]:
    """What a snapshot holds of each document."""
    return select(
        D.id,
        *(getattr(D, c) for c in FACET_COLUMNS),
        D.domain_id,
        D.object_id,
        D.public,
        D.quality_score,
        D.name,
        D.tags_text,
        D.description,
        D.columns_text,
    )


def texts_of(row: Row[Any]) -> dict[str, str]:
    """A document row's text per word-index field."""
    return {
        "name": row.name or "",
        "tags": row.tags_text or "",
        "description": row.description or "",
        "columns": row.columns_text or "",
    }


def load(connection: Connection, generation: tuple[int, int]) -> Snapshot:
    """Read the index's documents and tags into arrays (one pass over each table)."""
    rows = connection.execute(document_rows().order_by(D.id)).all()
    ids = np.fromiter((r.id for r in rows), dtype=np.int64, count=len(rows))
    facets = {name: Codes.encode(getattr(r, name) for r in rows) for name in FACET_COLUMNS}
    kind = facets["kind"]
    status = facets["status"]
    is_product = kind.where(["product"])
    public = np.fromiter((bool(r.public) for r in rows), dtype=np.bool_, count=len(rows))
    quality = np.fromiter((r.quality_score or 0.0 for r in rows), dtype=np.float64, count=len(rows))
    names = [r.name or "" for r in rows]
    by_order = np.array(sorted(range(len(rows)), key=lambda i: (-quality[i], names[i], ids[i])), dtype=np.int64)
    tag_rows = connection.execute(select(SearchTagRow.document_id, SearchTagRow.tag)).all()
    tag_ids = np.fromiter((d for d, _ in tag_rows), dtype=np.int64, count=len(tag_rows))
    at = np.minimum(np.searchsorted(ids, tag_ids), max(len(ids) - 1, 0))
    kept = np.flatnonzero(ids[at] == tag_ids) if len(ids) else np.zeros(0, dtype=np.int64)
    texts: dict[str, Sequence[str]] = {
        "name": names,
        "tags": [r.tags_text or "" for r in rows],
        "description": [r.description or "" for r in rows],
        "columns": [r.columns_text or "" for r in rows],
    }
    return Snapshot(
        generation=generation,
        ids=ids,
        live=np.ones(len(rows), dtype=np.bool_),
        facets=facets,
        domain_ids=Codes.encode(r.domain_id for r in rows),
        object_ids=Codes.encode(r.object_id for r in rows),
        public_product=is_product & public,
        is_product=is_product,
        is_table_or_column=kind.where(["table", "column"]),
        quality=quality,
        order_rank=ranks(by_order, len(rows)),
        by_order=by_order,
        names=names,
        kind_factor=kind_factor(kind),
        status_factor=status_factor(status),
        tag_doc=at[kept],
        tag_code=Codes.encode(tag_rows[i][1] for i in kept.tolist()),
        words=LayeredWords.build(texts),
    )


def ranks(by_order: IntArray, size: int) -> IntArray:
    """Each position's place in `by_order` (positions not in it rank last)."""
    rank = np.full(size, size, dtype=np.int64)
    rank[by_order] = np.arange(len(by_order))
    return rank


def kind_factor(kind: Codes) -> FloatArray:
    return _factor(kind, {"product": 1.0, "table": 0.8}, 0.6)


def status_factor(status: Codes) -> FloatArray:
    return _factor(status, {ProductStatus.PUBLISHED: 1.0, ProductStatus.DEPRECATED: 0.7, None: 0.9}, 0.5)


def _factor(codes: Codes, factors: dict[str | None, float], default: float) -> FloatArray:
    table = np.array([factors.get(value, default) for value in codes.values], dtype=np.float64)
    return table[codes.codes]


def counts(codes: Codes, mask: BoolArray) -> dict[str, int]:
    """Facet counts of the masked rows, NULL and empty values left out."""
    tally = np.bincount(codes.codes[mask], minlength=len(codes.values))
    return {str(codes.values[c]): int(n) for c, n in enumerate(tally.tolist()) if n and codes.values[c]}
