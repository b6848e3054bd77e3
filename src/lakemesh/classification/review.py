"""Review of suggestions: who may decide, accepting (which sets the column's label) or rejecting, auto-accept.

Accepting or rejecting is for the lakehouse's data steward, a domain Admin, or a platform admin; accepting sets the
column's sensitivity label through the table service, so masking and policies act on it.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.classification import (
    ClassificationSettingsRow,
    ClassificationSuggestionRow,
)
from lakemesh.classification import store
from lakemesh.classification.context import Context
from lakemesh.classification.labels import LABELLED, label_rank
from lakemesh.classification.models import Suggestion, SuggestionSource, SuggestionStatus
from lakemesh.core.errors import Conflict, Forbidden, InvalidInput, NotFound, invalid, not_found
from lakemesh.domains.service import domain_resource
from lakemesh.lakehouses.models import ColumnUpdate, TableUpdate
from lakemesh.lakehouses.tables import TableHandle

log = logging.getLogger(__name__)


class Review(Context):
    def suggestions(
        self, actor: Principal, domain: str, lakehouse: str, table: str, *, status: SuggestionStatus | None = None
    ) -> list[Suggestion]:
        with self._catalog.read() as session:
            handle = self._tables.locate(session, actor, domain, lakehouse, table, Action.ITEM_READ)
            query = select(ClassificationSuggestionRow).where(ClassificationSuggestionRow.table_id == handle.table.id)
            if status is not None:
                query = query.where(ClassificationSuggestionRow.status == status.value)
            rows = session.scalars(query.order_by(ClassificationSuggestionRow.column_name))
            present = _column_names(handle)
            return [store.view(r) for r in rows if r.column_name.lower() in present]  # a dropped column's are gone

    def decidable_suggestions(self, actor: Principal, *, limit: int = 200) -> list[Suggestion]:
        """Pending suggestions, across tables, that `actor` may decide (the governance page's review list).

        A table the actor may not read is skipped as if it had none; so is one they may read but not decide on
        (its suggestions still show on the table page). Ordered by table then column, at most `limit`."""
        out: list[Suggestion] = []
        with self._catalog.read() as session:
            rows = session.scalars(
                select(ClassificationSuggestionRow)
                .where(ClassificationSuggestionRow.status == SuggestionStatus.PENDING.value)
                .order_by(
                    ClassificationSuggestionRow.table_name,
                    ClassificationSuggestionRow.column_name,
                    ClassificationSuggestionRow.classification,
                )
            )
            columns: dict[str, set[str]] = {}  # table id -> its columns, when the actor may decide on it
            for row in rows:
                if row.table_id not in columns:
                    columns[row.table_id] = self._decidable_columns(session, actor, row)
                if row.column_name.lower() in columns[row.table_id]:
                    out.append(store.view(row))
                    if len(out) >= limit:
                        break
        return out

    def _decidable_columns(self, session: Session, actor: Principal, row: ClassificationSuggestionRow) -> set[str]:
        """The columns of the suggestion's table if the actor may decide on it; none if not, or if the table is gone
        (even when another one has taken its name)."""
        domain, lakehouse, table = row.table_name.split(".", 2)
        try:
            handle = self._tables.locate(session, actor, domain, lakehouse, table, Action.ITEM_READ)
        except (NotFound, Forbidden):
            return set()
        if handle.table.id != row.table_id or not self._may_decide(session, actor, handle):
            return set()
        return _column_names(handle)

    def accept(
        self, actor: Principal, suggestion_id: str, *, label: str | None = None, decided_by: str | None = None
    ) -> Suggestion:
        """Set the column's sensitivity label (the classification's default unless `label` is given).

        Never a downgrade: without `label`, a column already carrying a stronger label keeps it; a lineage
        suggestion is accepted with at least the label it carries, or rejected."""
        row, handle = self._decidable(actor, suggestion_id)
        given = (label or "").strip()
        if given and row.source == SuggestionSource.LINEAGE and label_rank(given) < label_rank(row.label):
            raise invalid("label", f"the column derives from a {row.label} column ({row.path}); reject it instead")
        chosen = given or row.label or store.default_label(row.classification)
        columns: list[dict[str, Any]] = handle.table.columns or []
        column = next((c for c in columns if str(c["name"]).lower() == row.column_name.lower()), None)
        if column is None:
            raise not_found("suggestion", suggestion_id)  # the column was dropped since
        current = column.get("sensitivity_label")
        if not given and label_rank(current) > label_rank(chosen):
            chosen = str(current)
        kinds = sorted({*column.get("classifications", []), row.classification} - {LABELLED})
        self._tables.update(
            actor if decided_by is None else self._system(),
            handle.domain.slug,
            handle.lakehouse.name,
            handle.table.name,
            TableUpdate(columns={row.column_name: ColumnUpdate(sensitivity_label=chosen, classifications=kinds)}),
        )
        return self._decide(actor, suggestion_id, SuggestionStatus.ACCEPTED, chosen, decided_by)

    def reject(self, actor: Principal, suggestion_id: str) -> Suggestion:
        self._decidable(actor, suggestion_id)
        return self._decide(actor, suggestion_id, SuggestionStatus.REJECTED, None, None)

    def _decidable(self, actor: Principal, suggestion_id: str) -> tuple[ClassificationSuggestionRow, TableHandle]:
        with self._catalog.read() as session:
            row = session.get(ClassificationSuggestionRow, suggestion_id)
            if row is None:
                raise not_found("suggestion", suggestion_id)
            domain, lakehouse, table = row.table_name.split(".", 2)
            try:
                handle = self._tables.locate(session, actor, domain, lakehouse, table, Action.ITEM_READ)
            except NotFound:
                raise not_found("suggestion", suggestion_id) from None
            if handle.table.id != row.table_id:  # its table was deleted and another one now has the name
                raise not_found("suggestion", suggestion_id)
            if row.status != SuggestionStatus.PENDING:
                raise Conflict(f"Suggestion {suggestion_id} was already {row.status}")
            if not self._may_decide(session, actor, handle):
                raise Forbidden("Only the lakehouse's data steward or a domain Admin decides on classifications")
            session.expunge(row)
            return row, handle

    def _may_decide(self, session: Session, actor: Principal, handle: TableHandle) -> bool:
        steward = (handle.lakehouse.data_steward or "").lower()
        if steward and steward in {actor.name.lower(), (actor.email or "").lower()}:
            return True
        return self._authz.can(actor, Action.POLICIES_MANAGE, domain_resource(handle.domain), session)

    def _decide(
        self,
        actor: Principal,
        suggestion_id: str,
        status: SuggestionStatus,
        label: str | None,
        decided_by: str | None,
    ) -> Suggestion:
        with self._catalog.transaction() as session:
            row = session.get(ClassificationSuggestionRow, suggestion_id, with_for_update=True)
            if row is None or row.status != SuggestionStatus.PENDING:
                raise Conflict(f"Suggestion {suggestion_id} was decided meanwhile")
            now = self._clock.now()
            row.status, row.decided_at, row.updated_at = status.value, now, now
            row.decided_by = decided_by or actor.name
            if label is not None:
                row.label = label
            suggestion = store.view(row)
            record(
                session,
                at=now,
                actor=actor.name,
                action=f"classification.{status.value}",
                resource_type="column",
                resource_id=row.id,
                resource_name=f"{row.table_name}.{row.column_name}",
                domain=row.table_name.split(".", 1)[0],
                after=suggestion.model_dump(mode="json"),
            )
            return suggestion

    def auto_accept_pending(self) -> int:
        """Accept pending suggestions at or above their domain's `auto_accept_above` (a job, after writes)."""
        with self._catalog.read() as session:
            due = session.scalars(
                select(ClassificationSuggestionRow.id)
                .join(
                    ClassificationSettingsRow,
                    ClassificationSettingsRow.domain_id == ClassificationSuggestionRow.domain_id,
                )
                .where(
                    ClassificationSuggestionRow.status == SuggestionStatus.PENDING.value,
                    ClassificationSettingsRow.auto_accept_above.isnot(None),
                    ClassificationSuggestionRow.confidence >= ClassificationSettingsRow.auto_accept_above,
                )
            ).all()
        accepted = 0
        for suggestion_id in due:
            try:
                self.accept(self._system(), suggestion_id, decided_by="auto-accept")
                accepted += 1
            except (Conflict, NotFound, InvalidInput) as exc:  # decided meanwhile, table gone, column dropped
                log.info("auto-accept of %s skipped: %s", suggestion_id, exc)
        return accepted


def _column_names(handle: TableHandle) -> set[str]:
    return {str(c["name"]).lower() for c in handle.table.columns or []}
