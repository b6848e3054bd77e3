"""What a search needs from the catalog before it can match in memory, read in one round trip.

The index's position decides which snapshot is current (another replica's indexed writes show up here
first); the caller's domains and granted tables decide what they may see.
Several small queries cost a round trip each, which on a busy PostgreSQL server was most of a search.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, String, cast, func, literal, null, select, union_all
from sqlalchemy.engine import Connection

from lakemesh.access.store import granted_tables_query
from lakemesh.auth.assignments import domain_ids_of
from lakemesh.auth.models import Principal
from lakemesh.catalog.outbox import cursor_select
from lakemesh.catalog.tables.discovery import SearchDocumentRow

CONSUMER = "search-index"


@dataclass(frozen=True)
class IndexState:
    position: int  # the last event the search index consumed
    top_document: int  # the largest document id
    domain_ids: list[str] = field(default_factory=list)  # domains the caller holds a role in
    granted_table_ids: list[str] = field(default_factory=list)  # tables of products granted to the caller

    @property
    def generation(self) -> tuple[int, int]:
        return (self.position, self.top_document)


def read(connection: Connection, actor: Principal | None, now: datetime) -> IndexState:
    """The index state, and unless `actor` is None or a platform admin, their domains and granted tables."""
    no_text = cast(null(), String)
    no_number = cast(null(), BigInteger)
    parts: list[Any] = [  # Select[str, str, int] and Select[str, str | None, int]
        cursor_select(CONSUMER, literal("position"), no_text),
        select(literal("top"), no_text, func.max(SearchDocumentRow.id)),
    ]
    if actor is not None and not actor.is_platform_admin:
        mine = domain_ids_of(actor.id).subquery()
        parts.append(select(literal("domain"), mine.c.domain_id, no_number))
        # access.store.granted_table_ids, read in the same round trip.
        granted = granted_tables_query(actor.id, now).subquery()
        parts.append(select(literal("grant"), granted.c.table_id, no_number))
    numbers: dict[str, int] = {}
    texts: dict[str, list[str]] = {"domain": [], "grant": []}
    for what, text, number in connection.execute(union_all(*parts)):
        if what in texts:
            if text:
                texts[what].append(text)
        else:
            numbers[what] = int(number or 0)
    return IndexState(
        position=numbers.get("position", 0),
        top_document=numbers.get("top", 0),
        domain_ids=texts["domain"],
        granted_table_ids=texts["grant"],
    )
