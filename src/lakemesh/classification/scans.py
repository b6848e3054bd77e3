"""Scans: classify a bounded sample of a table, read as the caller (masked columns are skipped), on demand, after
writes and on each domain's schedule; the findings become suggestions, auto-accepted per the domain's setting.
"""

from __future__ import annotations

import pyarrow as pa
from sqlalchemy import select

from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.catalog.tables.classification import (
    ClassificationSettingsRow,
)
from lakemesh.classification import store
from lakemesh.classification.classifiers import Classifier, classify_column, sample_strings
from lakemesh.classification.models import (
    ClassificationScan,
    Suggestion,
)
from lakemesh.classification.review import Review
from lakemesh.core.durations import parse_duration
from lakemesh.lakehouses.tables import TableHandle


class Scans(Review):
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
