"""Suggestions that lineage makes: a label set upstream is suggested on the columns derived from it.

Never a downgrade: a derived column already carrying the label or a stronger one gets no suggestion, and a stronger
label set upstream later reopens a suggestion that was decided for a weaker one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.catalog.tables.classification import ClassificationSuggestionRow
from lakemesh.classification import store
from lakemesh.classification.classifiers import Finding
from lakemesh.classification.context import Context
from lakemesh.classification.labels import LABELLED, label_rank
from lakemesh.classification.models import SuggestionSource, SuggestionStatus
from lakemesh.core.errors import NotFound


class LineageSuggestions(Context):
    def suggest_label(
        self,
        system: Principal,
        table: str,
        columns: list[str],
        label: str,
        path: str,
        source: tuple[str, str],
    ) -> int:
        """Suggest `label` on the derived `columns` of `table` that carry a weaker one (or none); `source` is the
        labelled `(table, column)`, whose accepted classifications travel with the label."""
        with self._catalog.transaction() as session:
            try:
                domain, lakehouse, name = table.split(".", 2)
                handle = self._tables.locate(session, system, domain, lakehouse, name, Action.ITEM_READ)
            except (NotFound, ValueError):
                return 0
            if handle.qualified_name == source[0]:
                return 0  # a table is not derived from itself
            if handle.table.target_table_id is not None:
                return 0  # a shortcut shows its target's labels: nothing to carry over
            known: dict[str, dict[str, Any]] = {str(c["name"]).lower(): c for c in handle.table.columns or []}
            kinds = _source_classifications(session, *source)
            weaker = [
                c
                for c in dict.fromkeys(c.lower() for c in columns)
                if c in known and label_rank(known[c].get("sensitivity_label")) < label_rank(label)
            ]
            findings = [Finding(known[c]["name"], kind, 1.0, 0, 0) for c in weaker for kind in kinds]
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


def _source_classifications(session: Session, table: str, column: str) -> list[str]:
    """What the source column was classified as (accepted), else `labelled`: the label alone travels."""
    rows = session.scalars(
        select(ClassificationSuggestionRow.classification).where(
            ClassificationSuggestionRow.table_name == table,
            func.lower(ClassificationSuggestionRow.column_name) == column.lower(),
            ClassificationSuggestionRow.status == SuggestionStatus.ACCEPTED.value,
        )
    ).all()
    return sorted(set(rows)) or [LABELLED]
