"""Links suggested by classification: a column classified as `email` is suggested for every term that covers
`email` (the term's `classifications`). Suggestions wait for review like the name-based ones: linking the
same target accepts one, unlinking rejects it. A rejected suggestion comes back only if the column is
classified anew (a new or reopened finding), not at every scan."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from lakemesh.catalog.tables.glossary import GlossaryLinkRow, GlossaryTermRow, GlossaryTermVersionRow
from lakemesh.classification.store import columns_classified_as
from lakemesh.core.ids import new_id
from lakemesh.glossary.models import LinkKind, LinkStatus, TermStatus

SUGGESTED_BY = "classification"


def current_classifications(session: Session, rows: Iterable[Any]) -> dict[str, list[str]]:
    """Term id -> the classifications its current version covers. They live in the versioned document only
    (no column of their own: the glossary's tables are unchanged), so they are read from the current version."""
    wanted = {r.id: r.version for r in rows if r.version}
    if not wanted:
        return {}
    found = session.execute(
        select(GlossaryTermVersionRow.term_id, GlossaryTermVersionRow.version, GlossaryTermVersionRow.document).where(
            GlossaryTermVersionRow.term_id.in_(list(wanted)),
            GlossaryTermVersionRow.version.in_(set(wanted.values())),
        )
    ).all()
    return {
        term_id: list(document.get("classifications") or [])
        for term_id, version, document in found
        if wanted.get(term_id) == version
    }


@dataclass(frozen=True)
class ClassifiedColumn:
    table_id: str
    domain_id: str
    table_name: str  # `domain.lakehouse.table`
    column: str


def terms_covering(session: Session, classifications: Iterable[str]) -> dict[str, list[str]]:
    """Classification -> ids of the (not deprecated) terms whose current version covers it."""
    wanted = {c.lower() for c in classifications}
    if not wanted:
        return {}
    current = (
        select(GlossaryTermVersionRow.term_id, GlossaryTermVersionRow.document)
        .join(
            GlossaryTermRow,
            and_(
                GlossaryTermRow.id == GlossaryTermVersionRow.term_id,
                GlossaryTermRow.version == GlossaryTermVersionRow.version,
            ),
        )
        .where(GlossaryTermRow.status != TermStatus.DEPRECATED.value)
    )
    covering: dict[str, list[str]] = {}
    for term_id, document in session.execute(current):
        for classification in set(document.get("classifications") or []) & wanted:
            covering.setdefault(classification, []).append(term_id)
    return covering


def classified_columns(session: Session, classifications: Iterable[str]) -> list[ClassifiedColumn]:
    """Columns with a pending or accepted finding of one of `classifications` (rejected findings are not)."""
    wanted = sorted({c.lower() for c in classifications})
    return [ClassifiedColumn(*row) for row in columns_classified_as(session, wanted)]


def add_suggestion(
    session: Session, term_id: str, column: ClassifiedColumn, *, by: str | None, at: datetime
) -> GlossaryLinkRow | None:
    """A suggested column link, unless the term is already linked or suggested there (None then)."""
    existing = session.scalar(
        select(GlossaryLinkRow.id).where(
            GlossaryLinkRow.term_id == term_id,
            GlossaryLinkRow.target_kind == LinkKind.COLUMN.value,
            GlossaryLinkRow.target_id == column.table_id,
            GlossaryLinkRow.column_name == column.column,
        )
    )
    if existing is not None:
        return None
    row = GlossaryLinkRow(
        id=new_id("tlk"),
        term_id=term_id,
        target_kind=LinkKind.COLUMN.value,
        target_id=column.table_id,
        table_id=column.table_id,
        column_name=column.column,
        domain_id=column.domain_id,
        qualified_name=f"{column.table_name}.{column.column}",
        status=LinkStatus.SUGGESTED.value,
        created_by=by,
        created_at=at,
    )
    session.add(row)
    session.flush()
    return row


def on_findings(
    session: Session,
    at: datetime,
    table_id: str,
    domain_id: str,
    table_name: str,
    classified: list[tuple[str, str]],
) -> None:
    """Classification's listener: suggest links from newly classified columns to the terms covering them."""
    covering = terms_covering(session, {c for _, c in classified})
    for column, classification in classified:
        for term_id in covering.get(classification.lower(), []):
            found = ClassifiedColumn(table_id, domain_id, table_name, column)
            add_suggestion(session, term_id, found, by=SUGGESTED_BY, at=at)
