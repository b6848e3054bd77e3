"""Rows of the classification capability in and out: suggestions upserted by scans, views for callers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.classification import (
    ClassificationSettingsRow,
    ClassificationSuggestionRow,
    CustomClassifierRow,
)
from lakemesh.classification.classifiers import BUILTIN, Classifier, Finding
from lakemesh.classification.custom import ClassifierSpec, build
from lakemesh.classification.labels import label_rank
from lakemesh.classification.models import Suggestion, SuggestionSource, SuggestionStatus
from lakemesh.core.ids import new_id

# National ids and payment data are the most harmful to leak; everything else personal is Confidential.
HIGHLY_CONFIDENTIAL = frozenset({"us_ssn", "uk_nino", "national_id", "credit_card", "iban"})


def default_label(classification: str) -> str:
    return "Highly Confidential" if classification in HIGHLY_CONFIDENTIAL else "Confidential"


def view(row: ClassificationSuggestionRow) -> Suggestion:
    return Suggestion(
        id=row.id,
        table=row.table_name,
        column=row.column_name,
        classification=row.classification,
        confidence=row.confidence,
        sample_count=row.sample_count,
        matched=row.matched,
        source=SuggestionSource(row.source),
        path=row.path,
        label=row.label,
        status=SuggestionStatus(row.status),
        created_at=row.created_at,
        decided_at=row.decided_at,
        decided_by=row.decided_by,
    )


def classifiers(session: Session) -> list[Classifier]:
    rows = session.scalars(select(CustomClassifierRow).order_by(CustomClassifierRow.name))
    return [*BUILTIN, *(build(ClassifierSpec.model_validate(r.spec)) for r in rows)]


# (session, at, table id, domain id, `domain.lakehouse.table`, [(column, classification)]) -> None: called in the
# transaction that records findings, so capabilities above this one (the glossary) react to a column's
# classification without classification knowing them. Module-level: every platform in a process shares the
# catalog tables' code, and listeners get the session of the catalog at hand.
FindingsListener = Callable[[Session, datetime, str, str, str, list[tuple[str, str]]], None]
_LISTENERS: list[FindingsListener] = []


def register_findings_listener(listener: FindingsListener) -> None:
    """Idempotent: registering the same function again (another platform in the process) does nothing."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def settings_row(session: Session, domain_id: str) -> ClassificationSettingsRow | None:
    return session.get(ClassificationSettingsRow, domain_id)


def upsert(
    session: Session,
    *,
    at: datetime,
    table_id: str,
    domain_id: str,
    table_name: str,
    findings: Sequence[Finding],
    source: SuggestionSource = SuggestionSource.SCAN,
    path: str = "",
    label: str | None = None,
) -> list[ClassificationSuggestionRow]:
    """Insert new suggestions, refresh pending ones; a decided suggestion is never reopened by a later scan, only by
    lineage finding the column weaker than its label again (see `_stronger_from_lineage`)."""
    out, fresh = [], []
    for finding in findings:
        row = session.scalars(
            select(ClassificationSuggestionRow).where(
                ClassificationSuggestionRow.table_id == table_id,
                ClassificationSuggestionRow.column_name == finding.column,
                ClassificationSuggestionRow.classification == finding.classification,
            )
        ).first()
        if row is not None and row.status != SuggestionStatus.PENDING:
            if not _stronger_from_lineage(row, source, label):
                continue
            row.status, row.decided_at, row.decided_by = SuggestionStatus.PENDING.value, None, None
            row.label = label  # asked anew, for what lineage asks now
            fresh.append(row)
        if row is None:
            row = ClassificationSuggestionRow(
                id=new_id("cls"),
                table_id=table_id,
                domain_id=domain_id,
                table_name=table_name,
                column_name=finding.column,
                classification=finding.classification,
                source=source.value,
                path=path,
                sample_count=finding.sample_count,
                matched=finding.matched,
                status=SuggestionStatus.PENDING.value,
                label=label or default_label(finding.classification),
                created_at=at,
            )
            session.add(row)
            fresh.append(row)
        if source is SuggestionSource.LINEAGE:  # lineage outranks a scan's guess: it knows where the data came from
            if label_rank(label) >= label_rank(row.label):  # the strongest label and its path win
                row.source, row.path, row.label = source.value, path, label or row.label
            row.confidence = max(row.confidence or 0.0, finding.confidence)
        else:
            row.confidence, row.sample_count, row.matched = finding.confidence, finding.sample_count, finding.matched
        row.updated_at = at
        session.flush()
        record(
            session,
            at=at,
            actor=None,
            action="classification.suggested",
            resource_type="column",
            resource_id=row.id,
            resource_name=f"{table_name}.{finding.column}",
            domain=table_name.split(".", 1)[0],  # the audit and events name domains by slug
            after=view(row).model_dump(mode="json"),
        )
        out.append(row)
    if fresh:  # a column newly classified (a refreshed pending finding is not news: its reaction happened)
        classified = [(r.column_name, r.classification) for r in fresh]
        for listener in _LISTENERS:
            listener(session, at, table_id, domain_id, table_name, classified)
    return out


def _stronger_from_lineage(row: ClassificationSuggestionRow, source: SuggestionSource, label: str | None) -> bool:
    """Lineage only suggests on columns weaker than its label: an accepted suggestion there was undone since, and a
    rejected one was rejected for a weaker label. The same label again does not reopen a rejection."""
    if source is not SuggestionSource.LINEAGE:
        return False
    return row.status == SuggestionStatus.ACCEPTED or label_rank(label) > label_rank(row.label)


def accepted_classifications(session: Session, table_ids: Sequence[str]) -> dict[str, dict[str, set[str]]]:
    """table id -> column (lower-case) -> accepted classifications: what `columns classified as` matches."""
    found: dict[str, dict[str, set[str]]] = {}
    if not table_ids:
        return found
    rows = session.execute(
        select(
            ClassificationSuggestionRow.table_id,
            ClassificationSuggestionRow.column_name,
            ClassificationSuggestionRow.classification,
        ).where(
            ClassificationSuggestionRow.table_id.in_(list(table_ids)),
            ClassificationSuggestionRow.status == SuggestionStatus.ACCEPTED.value,
        )
    )
    for table_id, column, classification in rows:
        found.setdefault(table_id, {}).setdefault(column.lower(), set()).add(classification)
    return found


def columns_classified_as(session: Session, classifications: Sequence[str]) -> list[tuple[str, str, str, str]]:
    """(table id, domain id, `domain.lakehouse.table`, column) with a pending or accepted finding of one of
    `classifications`; rejected findings are left out."""
    if not classifications:
        return []
    found = session.execute(
        select(
            ClassificationSuggestionRow.table_id,
            ClassificationSuggestionRow.domain_id,
            ClassificationSuggestionRow.table_name,
            ClassificationSuggestionRow.column_name,
        )
        .where(
            ClassificationSuggestionRow.classification.in_(list(classifications)),
            ClassificationSuggestionRow.status != SuggestionStatus.REJECTED.value,
        )
        .order_by(ClassificationSuggestionRow.table_name, ClassificationSuggestionRow.column_name)
    ).all()
    return list(dict.fromkeys((str(t), str(d), str(n), str(c)) for t, d, n, c in found))
