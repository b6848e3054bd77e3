"""Term search over an in-memory copy of every term's names, synonyms and definition.

A `LIKE '%q%'` over ten thousand definitions cost tens of milliseconds and ranking its hits in SQL more. The
copy is a few MB for 10k terms; it is reloaded when the catalog's glossary generation (count of terms, newest
change) differs from the one it was built at, so every replica sees a write at its next search.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from lakemesh.catalog.tables.glossary import GlossaryLinkRow, GlossaryTermRow, GlossaryTermVersionRow
from lakemesh.glossary.models import LinkStatus


@dataclass(frozen=True)
class Entry:
    id: str
    key: str
    names: tuple[str, ...]  # lower-cased name and synonyms
    definition: str  # lower-cased
    domain_id: str | None
    parent_id: str | None
    status: str


SEP, END = "\x01", "\x02"  # around each name; after each entry (never in a query)


@dataclass(frozen=True)
class Blobs:
    """Every entry's names (`\x01name\x01synonym\x01\x02`) and definitions in two strings, so matching is
    `str.find` at C speed; `*_starts` map a position back to its entry."""

    entries: list[Entry]
    names: str
    name_starts: list[int]
    definitions: str
    definition_starts: list[int]

    @classmethod
    def of(cls, entries: list[Entry]) -> Blobs:
        names, definitions = [], []
        name_starts, definition_starts = [], []
        at_names = at_definitions = 0
        for e in entries:
            text = SEP + SEP.join(e.names) + SEP + END
            name_starts.append(at_names)
            names.append(text)
            at_names += len(text)
            definition_starts.append(at_definitions)
            definitions.append(e.definition + END)
            at_definitions += len(e.definition) + 1
        return cls(entries, "".join(names), name_starts, "".join(definitions), definition_starts)


def _occurrences(blob: str, needle: str, starts: list[int]) -> Iterator[int]:
    """The entries whose text contains `needle`, each once, in blob (name) order."""
    at = blob.find(needle)
    while at != -1:
        index = bisect.bisect_right(starts, at) - 1
        yield index
        following = starts[index + 1] if index + 1 < len(starts) else len(blob)
        at = blob.find(needle, following)  # the next entry: one hit per entry is enough


class TermIndex:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation: tuple[int, object] | None = None
        self._blobs: Blobs | None = None

    def search(
        self,
        session: Session,
        words: str,
        *,
        limit: int,
        domain_id: str | bool | None = False,
        parent_id: str | bool | None = False,
        status: str | None = None,
    ) -> list[str]:
        """Ids of the best `limit` terms: an exact name or synonym, then one starting with `words`, then one
        containing them, then a definition containing them; ties by name. `False` filters mean any."""
        blobs = self._current(session)
        words = words.replace(SEP, "").replace(END, "")
        if not words:
            return []
        chosen: list[str] = []
        seen: set[int] = set()
        for blob, starts, needle in (
            (blobs.names, blobs.name_starts, SEP + words + SEP),
            (blobs.names, blobs.name_starts, SEP + words),
            (blobs.names, blobs.name_starts, words),
            (blobs.definitions, blobs.definition_starts, words),
        ):
            # entries are in name order, so each tier's hits come in name order: stop at `limit`
            for index in _occurrences(blob, needle, starts):
                if index in seen:
                    continue
                seen.add(index)
                e = blobs.entries[index]
                if (domain_id is not False and e.domain_id != domain_id) or (status is not None and e.status != status):
                    continue
                if parent_id is not False and e.parent_id != parent_id:
                    continue
                chosen.append(e.id)
                if len(chosen) >= limit:
                    return chosen
        return chosen

    def _current(self, session: Session) -> Blobs:
        # two scalar subqueries: max() then reads one entry of the updated_at index instead of every row
        count, newest = session.execute(
            select(
                select(func.count()).select_from(GlossaryTermRow).scalar_subquery(),
                select(func.max(GlossaryTermRow.updated_at)).scalar_subquery(),
            )
        ).one()
        generation: tuple[int, object] = (int(count), newest)
        with self._lock:
            if generation == self._generation and self._blobs is not None:
                return self._blobs
        rows = session.execute(
            select(
                GlossaryTermRow.id,
                GlossaryTermRow.key,
                GlossaryTermRow.search_text,
                GlossaryTermRow.definition,
                GlossaryTermRow.domain_id,
                GlossaryTermRow.parent_id,
                GlossaryTermRow.status,
            ).order_by(GlossaryTermRow.key)
        ).all()
        entries = [
            Entry(
                r.id, r.key, tuple(r.search_text.split("\n")), r.definition.lower(), r.domain_id, r.parent_id, r.status
            )
            for r in rows
        ]
        blobs = Blobs.of(entries)
        with self._lock:
            self._generation, self._blobs = generation, blobs
        return blobs


def page_rows(session: Session, ids: list[str]) -> list[Any]:
    """A page of hits in `ids` order, in one statement: each term's columns as plain rows (same attributes as
    the ORM objects, a hundred of them load several times faster), its linked count (`linked`, from one
    grouped subquery over the same ids, read from the (term_id, status) index) and its current version's
    `document` (which holds its classifications). One round trip instead of three: on a busy PostgreSQL
    server each one waits its turn."""
    counted = (
        select(GlossaryLinkRow.term_id, func.count().label("linked"))
        .where(GlossaryLinkRow.term_id.in_(ids), GlossaryLinkRow.status == LinkStatus.LINKED.value)
        .group_by(GlossaryLinkRow.term_id)
        .subquery()
    )
    version = GlossaryTermVersionRow
    found = session.execute(
        select(*GlossaryTermRow.__table__.c, counted.c.linked, version.document)
        .outerjoin(counted, counted.c.term_id == GlossaryTermRow.id)
        .outerjoin(version, and_(version.term_id == GlossaryTermRow.id, version.version == GlossaryTermRow.version))
        .where(GlossaryTermRow.id.in_(ids))
    ).all()
    by_id = {r.id: r for r in found}
    return [by_id[i] for i in ids if i in by_id]
