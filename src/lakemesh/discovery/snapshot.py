"""A columnar copy of the search index, rebuilt once per index generation: facets, ranking fields and words.

Counting facets over every visible hit and ordering tens of thousands of hits is what made broad queries
slow in SQL (a six-column GROUP BY and a full sort per search), and matching a common word meant reading
tens of thousands of ids back. The snapshot holds, per document, small integer codes for each facet value,
the visibility fields, the quality score, the name's sort rank and the words of every field (wordindex.py);
a search then matches, applies visibility and filters as array masks and counts with `bincount`, exactly,
whatever the number of hits. Only text relevance for a bounded candidate set still runs in SQL.

A generation is the search-index consumer's outbox position plus the largest document id; a new position that
consumed no event the indexer acts on keeps the snapshot. Every replica reads the position from the catalog
on each search, so a write indexed anywhere is seen by the next search everywhere. Snapshots are immutable
and swapped whole, so concurrent searches never see a half-built one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import count

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.engine import Connection

from lakemesh.catalog.tables.access import SearchDocumentRow, SearchTagRow
from lakemesh.discovery.wordindex import WordIndex

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
        targets = {w.lower() for w in wanted} if lower else set(wanted)
        hits = [
            code
            for value, code in self.lookup.items()
            if value is not None and (value.lower() if lower else value) in targets
        ]
        return np.isin(self.codes, np.array(hits, dtype=np.int64))


_SERIALS = count(1)


@dataclass(frozen=True)
class Snapshot:
    generation: tuple[int, int]
    serial: int  # which load this is: a snapshot carried over to a new generation keeps it (and its caches)
    ids: IntArray  # sorted document ids; a document's position is its index here
    facets: dict[str, Codes]
    domain_ids: Codes
    object_ids: Codes
    public_product: BoolArray
    is_product: BoolArray
    is_table_or_column: BoolArray
    quality: FloatArray
    order_rank: IntArray  # position in (quality desc, name, id) order: how equal scores are ordered
    kind_factor: FloatArray
    status_factor: FloatArray
    tag_doc: IntArray  # one entry per (document, tag): the document's position ...
    tag_code: Codes  # ... and the tag
    words: WordIndex  # the words of name, tags, description and columns

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


def load(connection: Connection, generation: tuple[int, int]) -> Snapshot:
    """Read the index's documents and tags into arrays (one pass over each table)."""
    rows = connection.execute(
        select(
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
        ).order_by(D.id)
    ).all()
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    facets = {name: Codes.encode(r[1 + i] for r in rows) for i, name in enumerate(FACET_COLUMNS)}
    kind = facets["kind"]
    status = facets["status"]
    is_product = kind.where(["product"])
    public = np.fromiter((bool(r[9]) for r in rows), dtype=np.bool_, count=len(rows))
    quality = np.fromiter((r[10] or 0.0 for r in rows), dtype=np.float64, count=len(rows))
    names = [r[11] or "" for r in rows]
    order_rank = np.empty(len(rows), dtype=np.int64)
    ordered = sorted(range(len(rows)), key=lambda i: (-quality[i], names[i], rows[i][0]))
    order_rank[np.array(ordered, dtype=np.int64)] = np.arange(len(rows))
    kind_factor = _factor(kind, {"product": 1.0, "table": 0.8}, 0.6)
    status_factor = _factor(status, {"published": 1.0, "deprecated": 0.7, None: 0.9}, 0.5)
    tag_rows = connection.execute(select(SearchTagRow.document_id, SearchTagRow.tag)).all()
    tag_ids = np.fromiter((d for d, _ in tag_rows), dtype=np.int64, count=len(tag_rows))
    at = np.minimum(np.searchsorted(ids, tag_ids), max(len(ids) - 1, 0))
    kept = np.flatnonzero(ids[at] == tag_ids) if len(ids) else np.zeros(0, dtype=np.int64)
    texts: dict[str, Sequence[str]] = {
        "name": names,
        "tags": [r[12] or "" for r in rows],
        "description": [r[13] or "" for r in rows],
        "columns": [r[14] or "" for r in rows],
    }
    return Snapshot(
        generation=generation,
        serial=next(_SERIALS),
        ids=ids,
        facets=facets,
        domain_ids=Codes.encode(r[7] for r in rows),
        object_ids=Codes.encode(r[8] for r in rows),
        public_product=is_product & public,
        is_product=is_product,
        is_table_or_column=kind.where(["table", "column"]),
        quality=quality,
        order_rank=order_rank,
        kind_factor=kind_factor,
        status_factor=status_factor,
        tag_doc=at[kept],
        tag_code=Codes.encode(tag_rows[i][1] for i in kept.tolist()),
        words=WordIndex.build(texts),
    )


def _factor(codes: Codes, factors: dict[str | None, float], default: float) -> FloatArray:
    table = np.array([factors.get(value, default) for value in codes.values], dtype=np.float64)
    return table[codes.codes]


def counts(codes: Codes, mask: BoolArray) -> dict[str, int]:
    """Facet counts of the masked rows, NULL and empty values left out."""
    tally = np.bincount(codes.codes[mask], minlength=len(codes.values))
    return {str(codes.values[c]): int(n) for c, n in enumerate(tally.tolist()) if n and codes.values[c]}
