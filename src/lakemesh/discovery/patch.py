"""Bring a search snapshot to a new index generation by re-reading only the documents its events changed.

Loading the whole index again after every indexed write cost seconds at 100k documents, so under a steady
stream of writes searches kept paying for reloads. The events between two generations name the products
and tables the indexer rewrote; their documents (products, tables and a table's columns all carry the
object's id) are read back and written over their positions, new ones appended, vanished ones marked dead.
A full load is still the answer when the events cannot say what changed: a rebuild, documents written
without events, a deleted domain, or a bulk change of many objects.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.engine import Connection, Row

from lakemesh.catalog.outbox import events_of_interest
from lakemesh.catalog.tables.discovery import SearchTagRow
from lakemesh.discovery.index import INDEXED
from lakemesh.discovery.snapshot import (
    FACET_COLUMNS,
    Codes,
    D,
    IntArray,
    Snapshot,
    document_rows,
    kind_factor,
    ranks,
    status_factor,
    texts_of,
)

MAX_OBJECTS = 500  # objects changed between two generations past which one full load is cheaper
WORN_SHARE = 0.05  # changed or dead documents, as a share of all, past which a fresh load is due
WORN_MIN = 2_000


def advance(connection: Connection, snapshot: Snapshot, generation: tuple[int, int]) -> Snapshot | None:
    """`snapshot` brought to `generation`, or None when only a full load can tell what changed."""
    (old_position, _), (new_position, new_top) = snapshot.generation, generation
    if new_position < old_position:
        return None  # the index was rebuilt from the start
    objects = _changed_objects(connection, old_position, new_position)
    if objects is None:
        return None
    advanced = replace(snapshot, generation=generation)
    if objects:
        statement = document_rows().where(D.object_id.in_(sorted(objects))).order_by(D.id)
        rows = connection.execute(statement).all()
        ids = [r.id for r in rows]
        tags = [
            (int(doc_id), str(tag))
            for doc_id, tag in connection.execute(
                select(SearchTagRow.document_id, SearchTagRow.tag).where(SearchTagRow.document_id.in_(ids))
            )
        ]
        patched = _patch(snapshot, rows, tags, objects)
        if patched is None:
            return None
        advanced = replace(patched, generation=generation)
    return advanced if _top(advanced) == new_top else None  # else documents came without events


def worn(snapshot: Snapshot) -> bool:
    """Whether enough has changed since the load that a fresh one would search faster."""
    stale = snapshot.words.changed + int(snapshot.size - snapshot.live.sum())
    return stale > max(WORN_MIN, snapshot.size * WORN_SHARE)


def _changed_objects(connection: Connection, after: int, upto: int) -> set[str] | None:
    found: set[str] = set()
    tables: set[str] = set()
    events = events_of_interest(connection, after, upto, INDEXED)  # those SearchIndex.apply acts on
    for event_type, resource_type, resource_id, payload in events:
        if event_type == "domain.deleted" or len(found) >= MAX_OBJECTS:
            return None
        found.add(resource_id)
        if resource_type == "table" and (payload or {}).get("reindex_products"):
            tables.add(resource_id)
    if tables:  # the indexer re-indexed the products bound to these tables too (their glossary terms changed)
        bound = select(D.object_id).where(D.kind == "product", D.parent_id.in_(sorted(tables)))
        found.update(str(object_id) for object_id in connection.scalars(bound))
    return found


def _top(snapshot: Snapshot) -> int:
    alive = np.flatnonzero(snapshot.live)
    return int(snapshot.ids[alive[-1]]) if len(alive) else 0


def _patch(
    snapshot: Snapshot, rows: Sequence[Row[Any]], tags: Sequence[tuple[int, str]], objects: set[str]
) -> Snapshot | None:
    """The documents of `objects` as `rows` now have them: rewritten in place, appended, or marked dead."""
    old_size = snapshot.size
    fetched = np.array([r.id for r in rows], dtype=np.int64)
    found = snapshot.positions(fetched)
    added = fetched[~np.isin(fetched, snapshot.ids[found])]
    if len(added) and old_size and added[0] <= snapshot.ids[-1]:
        return None  # a document id below the last one known: positions would no longer be sorted
    size = old_size + len(added)
    positions = np.empty(len(fetched), dtype=np.int64)
    positions[np.isin(fetched, added)] = np.arange(old_size, size)
    positions[~np.isin(fetched, added)] = found
    before = np.flatnonzero(snapshot.object_ids.where(objects) & snapshot.live)
    dead = np.setdiff1d(before, positions)
    touched = np.union1d(positions, dead)

    ids = np.concatenate([snapshot.ids, added])
    live = _grown(snapshot.live, size, True)
    live[dead] = False
    live[positions] = True  # SQLite hands a deleted top id out again
    facets = {
        name: snapshot.facets[name].with_values(size, positions, [getattr(r, name) for r in rows])
        for name in FACET_COLUMNS
    }
    kind = facets["kind"]
    public_product = _grown(snapshot.public_product, size, False)
    public_product[positions] = [bool(r.public) and r.kind == "product" for r in rows]
    quality = _grown(snapshot.quality, size, 0.0)
    quality[positions] = [r.quality_score or 0.0 for r in rows]
    names = [*snapshot.names, *([""] * len(added))]
    for position, row in zip(positions.tolist(), rows, strict=True):
        names[position] = row.name or ""
    by_order = _reordered(snapshot.by_order, touched, positions, quality, names, ids)

    at = {int(doc_id): int(p) for doc_id, p in zip(fetched.tolist(), positions.tolist(), strict=True)}
    kept = ~np.isin(snapshot.tag_doc, touched)
    tag_doc = np.concatenate([snapshot.tag_doc[kept], np.array([at[d] for d, _ in tags], dtype=np.int64)])
    kept_codes = Codes(snapshot.tag_code.codes[kept], snapshot.tag_code.values, snapshot.tag_code.lookup)
    tag_code = kept_codes.with_values(len(tag_doc), np.arange(int(kept.sum()), len(tag_doc)), [t for _, t in tags])

    return Snapshot(
        generation=snapshot.generation,
        ids=ids,
        live=live,
        facets=facets,
        domain_ids=snapshot.domain_ids.with_values(size, positions, [r.domain_id for r in rows]),
        object_ids=snapshot.object_ids.with_values(size, positions, [r.object_id for r in rows]),
        public_product=public_product,
        is_product=kind.where(["product"]),
        is_table_or_column=kind.where(["table", "column"]),
        quality=quality,
        order_rank=ranks(by_order, size),
        by_order=by_order,
        names=names,
        kind_factor=kind_factor(kind),
        status_factor=status_factor(facets["status"]),
        tag_doc=tag_doc,
        tag_code=tag_code,
        words=snapshot.words.with_changes(
            size, {int(p): texts_of(r) for p, r in zip(positions.tolist(), rows, strict=True)}, dead
        ),
    )


def _grown(array: np.ndarray[Any, Any], size: int, fill: object) -> np.ndarray[Any, Any]:
    grown = np.full(size, fill, dtype=array.dtype)
    grown[: len(array)] = array
    return grown


def _reordered(
    by_order: IntArray, touched: IntArray, positions: IntArray, quality: Any, names: list[str], ids: IntArray
) -> IntArray:
    """The (quality desc, name, id) order with `touched` positions taken out and `positions` put in place."""

    def key(position: int) -> tuple[float, str, int]:
        return (-float(quality[position]), names[position], int(ids[position]))

    rest = by_order[~np.isin(by_order, touched)]
    incoming = sorted(positions.tolist(), key=key)
    places = [bisect.bisect_left(rest, key(p), key=key) for p in incoming]
    ordered: IntArray = np.insert(rest, places, incoming)
    return ordered
