"""Suggestions outlive nothing: those of a deleted table, a dropped column or a deleted domain are removed.

Tables and columns are pruned after their `table.deleted` / `table.written` events (the propagation consumer hands
them over); a domain's suggestions and settings go in the domain's own delete transaction. Until a prune runs,
the review lists already leave such suggestions out and deciding on one is a 404.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.classification import ClassificationSettingsRow, ClassificationSuggestionRow
from lakemesh.classification.context import Context
from lakemesh.lakehouses.store import table_columns

CHUNK = 500


class Orphans(Context):
    def prune(self, written: dict[str, datetime]) -> int:
        """Delete the suggestions of the given tables (id -> when last written or deleted) that name a table or a
        column that no longer exists; a suggestion newer than that moment is kept (a write adding its column has
        not committed yet). Returns how many were deleted."""
        removed = 0
        ids = sorted(written)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            with self._catalog.transaction() as session:
                present = table_columns(session, chunk)
                rows = session.scalars(
                    select(ClassificationSuggestionRow).where(ClassificationSuggestionRow.table_id.in_(chunk))
                ).all()
                gone = [
                    r
                    for r in rows
                    if r.table_id not in present
                    or (r.column_name.lower() not in present[r.table_id] and r.updated_at <= written[r.table_id])
                ]
                for row in gone:
                    session.delete(row)
                self._journal(session, gone)
                removed += len(gone)
        return removed

    def _journal(self, session: Session, gone: list[ClassificationSuggestionRow]) -> None:
        tables: dict[str, list[str]] = {}
        for row in gone:
            tables.setdefault(row.table_name, []).append(f"{row.column_name}:{row.classification}")
        for table, removed in tables.items():
            record(
                session,
                at=self._clock.now(),
                actor=None,
                action="classification.pruned",
                resource_type="table",
                resource_id=next(r.table_id for r in gone if r.table_name == table),
                resource_name=table,
                domain=table.split(".", 1)[0],
                payload={"removed": sorted(removed)},
            )


def count_nothing(_session: Session, _domain_id: str) -> tuple[str, int]:
    """Suggestions never hold a domain back: they go with it."""
    return "classification suggestions", 0


def purge_domain(session: Session, domain_id: str) -> None:
    """In the domain's delete transaction: its suggestions and settings."""
    session.execute(delete(ClassificationSuggestionRow).where(ClassificationSuggestionRow.domain_id == domain_id))
    session.execute(delete(ClassificationSettingsRow).where(ClassificationSettingsRow.domain_id == domain_id))
    session.flush()
