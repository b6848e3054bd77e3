"""Classification use cases: scan a table's sample, keep suggestions, accept or reject them, custom classifiers.

Who may do what: anyone who may read a table's data scans it (the sample is read as them, so a column masked for
them is skipped, never classified from masked values); a scan of a table they cannot see is 404. Accepting or
rejecting is for the lakehouse's data steward, a domain Admin, or a platform admin; accepting sets the column's
sensitivity label through the table service, so masking and policies act on it. Custom classifiers are
platform-wide and managed by platform admins.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from lakemesh.access.reads import ReadGovernor
from lakemesh.auth.authorize import Authorizer
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.classification import (
    ClassificationSettingsRow,
    ClassificationSuggestionRow,
    CustomClassifierRow,
)
from lakemesh.classification import store
from lakemesh.classification.classifiers import BUILTIN, Classifier, Finding, classify_column, sample_strings
from lakemesh.classification.custom import ClassifierSpec, build
from lakemesh.classification.models import (
    ClassificationScan,
    ClassificationSettings,
    ClassifierInfo,
    Suggestion,
    SuggestionSource,
    SuggestionStatus,
)
from lakemesh.core.clock import Clock
from lakemesh.core.durations import parse_duration
from lakemesh.core.errors import Conflict, Forbidden, InvalidInput, NotFound, invalid, not_found
from lakemesh.domains.service import domain_resource, find_domain_row
from lakemesh.lakehouses.data import TableData
from lakemesh.lakehouses.models import ColumnUpdate, TableUpdate
from lakemesh.lakehouses.service import LakehouseService
from lakemesh.lakehouses.tables import TableHandle, TableService

DEFAULT_SAMPLE_ROWS = 1000
LABEL_RANK = {"public": 0, "internal": 1, "confidential": 2, "highly confidential": 3}
log = logging.getLogger(__name__)


class ClassificationService:
    def __init__(
        self,
        catalog: Catalog,
        authorizer: Authorizer,
        clock: Clock,
        lakehouses: LakehouseService,
        tables: TableService,
        data: TableData,
        reads: ReadGovernor,
        system: Callable[[], Principal],
        *,
        sample_rows: int = DEFAULT_SAMPLE_ROWS,
    ) -> None:
        self._catalog = catalog
        self._authz = authorizer
        self._clock = clock
        self._lakehouses = lakehouses
        self._tables = tables
        self._data = data
        self._reads = reads
        self._system = system
        self.sample_rows = sample_rows

    @property
    def catalog(self) -> Catalog:
        return self._catalog

    def now(self) -> datetime:
        return self._clock.now()

    # -- scans -------------------------------------------------------------------------------------
    def scan(self, actor: Principal, domain: str, lakehouse: str, table: str) -> ClassificationScan:
        """Classify a bounded sample of the table, read as `actor` through the governed read path."""
        with self._catalog.read() as session:
            handle = self._tables.locate(session, actor, domain, lakehouse, table, Action.DATA_READ)
            plan = self._reads.plan(actor, handle, session)
            classifiers = store.classifiers(session)
        sample = self._data.read(actor, domain, lakehouse, table, limit=self.sample_rows).read_all()
        masked = [c for c in sample.column_names if plan.function_for(c) is not None]
        scanned = [c for c in sample.column_names if c not in masked]
        rows = self.record_findings(handle, sample.select(scanned), classifiers)
        return ClassificationScan(
            table=handle.qualified_name,
            sample_rows=sample.num_rows,
            columns_scanned=scanned,
            masked_columns=masked,
            suggestions=rows,
        )

    def record_findings(
        self,
        handle: TableHandle,
        sample: pa.Table,
        classifiers: list[Classifier] | None = None,
        *,
        auto_accept: bool = True,
    ) -> list[Suggestion]:
        """Classify every column of `sample`, keep the suggestions, and auto-accept per the domain's setting.

        The write guard passes `auto_accept=False`: its columns are not in the catalog until the write commits,
        so the `classification-auto-accept` job accepts those a moment later."""
        if classifiers is None:
            with self._catalog.read() as session:
                classifiers = store.classifiers(session)
        findings = [
            f
            for name in sample.column_names
            for f in classify_column(name, sample_strings(sample.column(name).to_pylist()), classifiers)
        ]
        with self._catalog.transaction() as session:
            rows = store.upsert(
                session,
                at=self._clock.now(),
                table_id=handle.table.id,
                domain_id=handle.domain.id,
                table_name=handle.qualified_name,
                findings=findings,
            )
            settings = store.settings_row(session, handle.domain.id)
            suggestions = [store.view(r) for r in rows]
        threshold = settings.auto_accept_above if settings else None
        if threshold is None or not auto_accept:
            return suggestions
        return [self._auto_accept(s) if s.confidence >= threshold else s for s in suggestions]

    def _auto_accept(self, suggestion: Suggestion) -> Suggestion:
        return self.accept(self._system(), suggestion.id, decided_by="auto-accept")

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

    def run_scheduled_scans(self) -> int:
        """Scan every table of each domain whose `every` has elapsed, as the platform's system principal."""
        now, scanned = self._clock.now(), 0
        with self._catalog.read() as session:
            due = [
                r.domain_id
                for r in session.scalars(
                    select(ClassificationSettingsRow).where(ClassificationSettingsRow.every.isnot(None))
                )
                if r.last_scan_at is None or r.last_scan_at + parse_duration(r.every or "24h") <= now
            ]
        system = self._system()
        for domain_id in due:
            for lakehouse in self._lakehouses.list(system, domain_id):
                for info in self._tables.list(system, domain_id, lakehouse.name):
                    if info.version is None or info.shortcut_target is not None:
                        continue
                    self.scan(system, domain_id, lakehouse.name, info.name)
                    scanned += 1
            with self._catalog.transaction() as session:
                row = session.get(ClassificationSettingsRow, domain_id)
                if row is not None:
                    row.last_scan_at = now
        return scanned

    # -- suggestions -------------------------------------------------------------------------------
    def suggestions(
        self, actor: Principal, domain: str, lakehouse: str, table: str, *, status: SuggestionStatus | None = None
    ) -> list[Suggestion]:
        with self._catalog.read() as session:
            handle = self._tables.locate(session, actor, domain, lakehouse, table, Action.ITEM_READ)
            query = select(ClassificationSuggestionRow).where(ClassificationSuggestionRow.table_id == handle.table.id)
            if status is not None:
                query = query.where(ClassificationSuggestionRow.status == status.value)
            rows = session.scalars(query.order_by(ClassificationSuggestionRow.column_name))
            return [store.view(r) for r in rows]

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
            allowed: dict[str, bool] = {}
            for row in rows:
                if row.table_name not in allowed:
                    allowed[row.table_name] = self._may_decide_on(session, actor, row.table_name)
                if allowed[row.table_name]:
                    out.append(store.view(row))
                    if len(out) >= limit:
                        break
        return out

    def _may_decide_on(self, session: Session, actor: Principal, table_name: str) -> bool:
        domain, lakehouse, table = table_name.split(".", 2)
        try:
            handle = self._tables.locate(session, actor, domain, lakehouse, table, Action.ITEM_READ)
        except (NotFound, Forbidden):
            return False
        return self._may_decide(session, actor, handle)

    def accept(
        self, actor: Principal, suggestion_id: str, *, label: str | None = None, decided_by: str | None = None
    ) -> Suggestion:
        """Set the column's sensitivity label (the classification's default unless `label` is given)."""
        row, handle = self._decidable(actor, suggestion_id)
        chosen = (label or "").strip() or row.label or store.default_label(row.classification)
        columns: list[dict[str, Any]] = handle.table.columns or []
        column = next((c for c in columns if str(c["name"]).lower() == row.column_name.lower()), {})
        kinds = sorted({*column.get("classifications", []), row.classification})
        self._tables.update(
            actor if decided_by is None else self._system(),
            handle.domain.slug,
            handle.lakehouse.name,
            handle.table.name,
            TableUpdate(columns={row.column_name: ColumnUpdate(sensitivity_label=chosen, classifications=kinds)}),
        )
        return self._decide(actor, suggestion_id, SuggestionStatus.ACCEPTED, chosen, decided_by)

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

    # -- settings ----------------------------------------------------------------------------------
    def get_settings(self, actor: Principal, domain: str) -> ClassificationSettings:
        with self._catalog.read() as session:
            row = find_domain_row(session, domain)
            if row is None:
                raise not_found("domain", domain)
            self._authz.authorize(actor, Action.DOMAIN_READ, domain_resource(row), session)
            found = store.settings_row(session, row.id)
            if found is None:
                return ClassificationSettings()
            return ClassificationSettings(auto_accept_above=found.auto_accept_above, every=found.every)

    def set_settings(self, actor: Principal, domain: str, settings: ClassificationSettings) -> ClassificationSettings:
        if settings.every is not None and parse_duration(settings.every, "every") < timedelta(minutes=15):
            raise invalid("every", "scheduled scans run at most every 15m")
        with self._catalog.transaction() as session:
            row = find_domain_row(session, domain)
            if row is None:
                raise not_found("domain", domain)
            self._authz.authorize(actor, Action.POLICIES_MANAGE, domain_resource(row), session)
            found = store.settings_row(session, row.id)
            now = self._clock.now()
            if found is None:
                found = ClassificationSettingsRow(domain_id=row.id, updated_at=now)
                session.add(found)
            found.auto_accept_above, found.every, found.updated_at = settings.auto_accept_above, settings.every, now
            record(
                session,
                at=now,
                actor=actor.name,
                action="classification.settings_changed",
                resource_type="domain",
                resource_id=row.id,
                resource_name=row.slug,
                domain=row.slug,
                after=settings.model_dump(),
            )
            return settings

    # -- custom classifiers ------------------------------------------------------------------------
    def list_classifiers(self, actor: Principal) -> list[ClassifierInfo]:
        with self._catalog.read() as session:
            specs = [ClassifierSpec.model_validate(r.spec) for r in session.scalars(select(CustomClassifierRow))]
        builtin = [
            ClassifierInfo(
                name=c.name,
                description=c.description,
                builtin=True,
                name_hints=list(c.name_hints),
                needs_hint=c.needs_hint,
            )
            for c in BUILTIN
        ]
        return builtin + [_info(s) for s in sorted(specs, key=lambda s: s.name)]

    def apply_classifier(self, actor: Principal, spec: ClassifierSpec, *, name: str | None = None) -> ClassifierInfo:
        """Create or replace a custom classifier; its pattern must compile under RE2 (else InvalidInput)."""
        if not actor.is_platform_admin:
            raise Forbidden("Only platform admins manage custom classifiers")
        if name is not None and name != spec.name:
            raise invalid("name", f"the path names {name!r} but the classifier is {spec.name!r}")
        build(spec)
        with self._catalog.transaction() as session:
            row = session.get(CustomClassifierRow, spec.name)
            now = self._clock.now()
            if row is None:
                row = CustomClassifierRow(name=spec.name, updated_at=now)
                session.add(row)
            row.spec, row.updated_at, row.updated_by = spec.model_dump(), now, actor.name
            record(
                session,
                at=now,
                actor=actor.name,
                action="classification.classifier_applied",
                resource_type="classifier",
                resource_id=spec.name,
                resource_name=spec.name,
                after=spec.model_dump(),
            )
        return _info(spec)

    def delete_classifier(self, actor: Principal, name: str) -> None:
        if not actor.is_platform_admin:
            raise Forbidden("Only platform admins manage custom classifiers")
        with self._catalog.transaction() as session:
            row = session.get(CustomClassifierRow, name)
            if row is None:
                raise not_found("classifier", name)
            session.delete(row)
            record(
                session,
                at=self._clock.now(),
                actor=actor.name,
                action="classification.classifier_deleted",
                resource_type="classifier",
                resource_id=name,
                resource_name=name,
            )


def _info(spec: ClassifierSpec) -> ClassifierInfo:
    return ClassifierInfo(
        name=spec.name,
        description=spec.description or spec.name,
        builtin=False,
        name_hints=spec.name_hints,
        needs_hint=spec.needs_hint,
        pattern=spec.pattern,
        validator=spec.validator,
    )


def label_rank(label: str | None) -> int:
    """Unknown labels rank as Confidential: a custom label is assumed to mean something."""
    if not label or not label.strip():
        return -1
    return LABEL_RANK.get(" ".join(label.lower().split()), 2)
