"""Suggestions that lineage makes: a label set upstream is suggested on the columns derived from it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.catalog.tables.classification import (
    ClassificationSuggestionRow,
)
from lakemesh.classification import store
from lakemesh.classification.classifiers import Finding
from lakemesh.classification.context import Context
from lakemesh.classification.labels import label_rank
from lakemesh.classification.models import (
    SuggestionSource,
    SuggestionStatus,
)
from lakemesh.core.errors import NotFound


class LineageSuggestions(Context):
    def suggest_label(
        self, system: Principal, table: str, columns: list[str], label: str, path: str, source_table: str
    ) -> int:
        """Lineage: suggest `label` on derived columns that do not already carry it (or a stronger one)."""
        with self._catalog.transaction() as session:
            try:
                domain, lakehouse, name = table.split(".", 2)
                handle = self._tables.locate(session, system, domain, lakehouse, name, Action.ITEM_READ)
            except NotFound:
                return 0
            known: dict[str, dict[str, Any]] = {str(c["name"]).lower(): c for c in handle.table.columns or []}
            source = self._source_classifications(session, source_table, path)
            weaker = [
                c
                for c in columns
                if c.lower() in known and label_rank(known[c.lower()].get("sensitivity_label")) < label_rank(label)
            ]
            findings = [Finding(known[c.lower()]["name"], kind, 1.0, 0, 0) for c in weaker for kind in source]
            rows = store.upsert(
                session,
                at=self._clock.now(),
                table_id=handle.table.id,
                domain_id=handle.domain.id,
                table_name=handle.qualified_name,
                findings=findings,
                source=SuggestionSource.LINEAGE,
                path=path,
                label=label,
            )
            return len(rows)

    def _source_classifications(self, session: Session, table: str, path: str) -> list[str]:
        """What the source column was classified as (accepted), else `labelled`: the label alone travels."""
        column = path.removeprefix("derived from ").split(" via ")[0].removeprefix(table + ".")
        rows = session.scalars(
            select(ClassificationSuggestionRow.classification).where(
                ClassificationSuggestionRow.table_name == table,
                ClassificationSuggestionRow.column_name == column,
                ClassificationSuggestionRow.status == SuggestionStatus.ACCEPTED.value,
            )
        ).all()
        return sorted(set(rows)) or ["labelled"]
