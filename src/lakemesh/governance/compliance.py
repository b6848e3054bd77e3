"""Evaluation on demand, on a schedule and after catalog changes; violations, notifications and reports.

Catalog changes reach governance through the outbox: every table, product, lakehouse and domain event makes
its domain be evaluated again, inside the consumer's own transaction, so a violation opens or resolves
exactly once per change. Reads (`violations`, `notifications`, `report`) catch up first, so what they show
already reflects the caller's last change.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lakemesh.auth import assignments
from lakemesh.auth.authorize import Authorizer, Resource
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.catalog import Catalog
from lakemesh.catalog.outbox import consume, hold, newest_event
from lakemesh.catalog.tables.governance import NotificationRow, ViolationRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import NotFound, invalid
from lakemesh.core.pages import Page, check_limit, decode_cursor, encode_cursor
from lakemesh.domains.service import domain_ids_of, require_domain_row
from lakemesh.governance.evaluation import ActivePolicy, Outcome, PolicyBook, percent, record, run
from lakemesh.governance.kept import KeptSnapshot
from lakemesh.governance.models import (
    ComplianceReport,
    DomainCompliance,
    EvaluateRequest,
    EvaluationResult,
    Finding,
    Notification,
    PolicyCompliance,
    Violation,
)
from lakemesh.governance.snapshot import ColumnTerms, Snapshot, load_snapshot
from lakemesh.governance.subjects import table_subject_name

if TYPE_CHECKING:
    from lakemesh.catalog.tables.audit import OutboxRow

CONSUMER = "governance-evaluator"
WATCHED = ("table.", "product.", "lakehouse.", "domain.")
MAX_FINDINGS = 1000
DEFAULT_BUDGET_SECONDS = 10.0
REPORT_REUSE_SECONDS = 60.0
REPORTS_KEPT = 64
ReportKey = tuple[frozenset[str] | None, int]


class Compliance:
    def __init__(
        self, catalog: Catalog, authorizer: Authorizer, clock: Clock, *, budget_seconds: float = DEFAULT_BUDGET_SECONDS
    ) -> None:
        self._catalog = catalog
        self._authz = authorizer
        self._clock = clock
        self.book = PolicyBook()
        self.budget_seconds = budget_seconds
        self._catching_up = threading.Lock()
        self._reports: dict[ReportKey, ComplianceReport] = {}
        self._whole = KeptSnapshot(self._snapshot)
        self._term_sources: list[Callable[[Session], ColumnTerms]] = []

    def whole_snapshot(self, session: Session) -> Snapshot:
        """The whole mesh as subjects, kept between catalog changes (see governance/kept.py)."""
        return self._whole.get(session)

    def _scoped_snapshot(self, session: Session, domain_ids: Collection[str] | None) -> Snapshot:
        """The whole snapshot, or the part of it of `domain_ids` (a viewer's domains)."""
        whole = self.whole_snapshot(session)
        if domain_ids is None:
            return whole
        return Snapshot(
            domains={d: ref for d, ref in whole.domains.items() if d in domain_ids},
            by_domain={d: subjects for d, subjects in whole.by_domain.items() if d in domain_ids},
        )

    def register_column_terms(self, source: Callable[[Session], ColumnTerms]) -> None:
        """The glossary says which terms are linked to which columns, so rules can say `linked to term 'x'`."""
        self._term_sources.append(source)

    def _snapshot(self, session: Session, domain_ids: Collection[str] | None) -> Snapshot:
        terms: dict[str, dict[str, tuple[str, ...]]] = {}
        for source in self._term_sources:
            for table_id, columns in source(session).items():
                for column, names in columns.items():
                    merged = terms.setdefault(table_id, {})
                    merged[column] = (*merged.get(column, ()), *names)
        return load_snapshot(session, domain_ids, column_terms=terms)

    # -- evaluation ------------------------------------------------------------------------------
    def evaluate(self, actor: Principal, request: EvaluateRequest) -> EvaluationResult:
        """Every policy (or the named ones) over every domain the caller can read (or the one named)."""
        started = time.perf_counter()
        with self._catalog.transaction() as session:
            domain_ids = self._scope(session, actor, request.domain)
            policies = self.book.active(session, domain_ids=domain_ids)
            if request.policies is not None:
                policies = _named(policies, request.policies)
            snapshot = self._scoped_snapshot(session, domain_ids)
            outcome = run(policies, snapshot, now=self._clock.now(), budget_seconds=self.budget_seconds)
            opened = resolved = 0
            if not request.dry_run:
                opened, resolved = record(session, outcome, policies, snapshot.domains)
            findings = [
                Finding(
                    policy=p.name,
                    enforcement=p.enforcement,
                    subject_id=f.subject_id,
                    subject_kind=f.subject_kind,
                    domain=snapshot.domains[d].slug,
                    finding=f.status,
                    message=f.message,
                )
                for p, d, f in outcome.findings[:MAX_FINDINGS]
            ]
        return EvaluationResult(
            evaluated_at=outcome.evaluated_at,
            subjects=outcome.checks,
            seconds=round(time.perf_counter() - started, 3),
            opened=opened,
            resolved=resolved,
            dry_run=request.dry_run,
            policies=outcome.compliance(policies),
            findings=findings,
            findings_total=len(outcome.findings),
        )

    def evaluate_policies(self, policy_ids: Collection[str]) -> tuple[int, int]:
        """Evaluate some policies everywhere they apply and record the result (after a policy changes)."""
        with self._recording() as session:
            policies = [p for p in self.book.active(session) if p.id in policy_ids]
            return self._evaluate_and_record(session, policies, None)

    def evaluate_all(self) -> tuple[int, int]:
        """The scheduled evaluation: time-based rules (freshness) change without any catalog event."""
        with self._recording() as session:
            return self._evaluate_and_record(session, self.book.active(session), None)

    @contextmanager
    def _recording(self) -> Iterator[Session]:
        """A whole-mesh evaluation that records its findings runs between the event consumer's batches, never
        beside one: a label fixed while it reads would otherwise be resolved by the batch and then reopened by
        findings read before the fix. Events up to now are handled first; the fix's own event, if it lands while
        this runs, is handled by the next batch, after these findings are recorded."""
        with self._catching_up:
            self._drain()
            with self._catalog.transaction() as session:
                hold(self._catalog, session, CONSUMER)
                yield session

    def _evaluate_and_record(
        self, session: Session, policies: list[ActivePolicy], domain_ids: Collection[str] | None
    ) -> tuple[int, int]:
        if not policies:
            return 0, 0
        # Catching up after a change reads just the changed domains: cheaper than the whole mesh, which the next
        # whole-mesh reader has to load again anyway.
        snapshot = self.whole_snapshot(session) if domain_ids is None else self._snapshot(session, domain_ids)
        outcome: Outcome = run(policies, snapshot, now=self._clock.now(), budget_seconds=self.budget_seconds)
        return record(session, outcome, policies, snapshot.domains)

    def catch_up(self) -> int:
        """Evaluate the domains that changed since the last call (outbox consumer); returns events handled."""
        with self._catching_up:
            return self._drain()

    def _drain(self) -> int:
        handled = 0
        while True:
            count = consume(self._catalog, CONSUMER, self._on_events, now=self._clock.now())
            handled += count
            if count == 0:
                return handled

    def _on_events(self, events: list[OutboxRow]) -> None:
        session = Session.object_session(events[0])
        assert session is not None
        deleted = {e.resource_id for e in events if e.type == "domain.deleted"}
        slugs = {e.domain for e in events if e.domain and e.type.startswith(WATCHED)}
        if deleted:
            for violation in session.scalars(
                select(ViolationRow).where(ViolationRow.status == "open", ViolationRow.domain_id.in_(deleted))
            ):
                violation.status, violation.resolved_at = "resolved", self._clock.now()
        if not slugs:
            return
        ids = domain_ids_of(session, slugs)
        if ids:
            self._evaluate_and_record(session, self.book.active(session, domain_ids=ids), ids)

    # -- reading ---------------------------------------------------------------------------------
    def violations(
        self,
        actor: Principal,
        *,
        status: str | None = "open",
        policy: str | None = None,
        domain: str | None = None,
        severity: str | None = None,
        table: tuple[str, str, str] | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[Violation]:
        """Violations in the domains the caller can read, newest first; `table` (domain, lakehouse, table) keeps
        those of that table and its columns, so its page can list what to fix."""
        check_limit(limit)
        if status not in (None, "open", "resolved", "all"):
            raise invalid("status", "must be open, resolved or all")
        self.catch_up()
        after = decode_cursor(cursor)
        query = select(ViolationRow).order_by(ViolationRow.id.desc()).limit(limit + 1)
        with self._catalog.read() as session:
            domain_ids = self._scope(session, actor, domain)
            if domain_ids is not None:
                query = query.where(ViolationRow.domain_id.in_(list(domain_ids)))
            if status in ("open", "resolved"):
                query = query.where(ViolationRow.status == status)
            if policy is not None:
                query = query.where(ViolationRow.policy_name == policy)
            if severity is not None:
                query = query.where(ViolationRow.severity == severity.lower())
            if table is not None:
                name = table_subject_name(*table)
                query = query.where(
                    or_(
                        ViolationRow.subject_id == f"table:{name}",
                        ViolationRow.subject_id.startswith(f"column:{name}/", autoescape=True),
                    )
                )
            if after is not None:
                query = query.where(ViolationRow.id < str(after))
            rows = list(session.scalars(query))
        items = [_violation(r) for r in rows[:limit]]
        return Page(items=items, next_cursor=encode_cursor(rows[limit - 1].id) if len(rows) > limit else None)

    def notifications(
        self, actor: Principal, *, domain: str | None = None, limit: int = 50, cursor: str | None = None
    ) -> Page[Notification]:
        check_limit(limit)
        self.catch_up()
        after = decode_cursor(cursor)
        query = select(NotificationRow).order_by(NotificationRow.id.desc()).limit(limit + 1)
        with self._catalog.read() as session:
            domain_ids = self._scope(session, actor, domain)
            if domain_ids is not None:
                query = query.where(NotificationRow.domain_id.in_(list(domain_ids)))
            if after is not None:
                query = query.where(NotificationRow.id < str(after))
            rows = list(session.scalars(query))
        items = [
            Notification(
                id=r.id,
                at=r.at,
                kind=r.kind,
                severity=r.severity,
                policy=r.policy_name,
                subject_id=r.subject_id,
                domain=r.domain,
                message=r.message,
            )
            for r in rows[:limit]
        ]
        return Page(items=items, next_cursor=encode_cursor(rows[limit - 1].id) if len(rows) > limit else None)

    def report(self, actor: Principal, *, domain: str | None = None) -> ComplianceReport:
        """% of subjects compliant per policy, per domain and overall.

        Reused while nothing changed in the catalog (same outbox position) for up to REPORT_REUSE_SECONDS, so
        the web page and dashboards do not re-evaluate every policy per view; time-based rules lag by that much.
        """
        with self._catalog.read() as session:
            domain_ids = self._scope(session, actor, domain)
            scope = frozenset(domain_ids) if domain_ids is not None else None
            key: ReportKey = (scope, newest_event(session))
            cached = self._reports.get(key)
            now = self._clock.now()
            if cached is not None and (now - cached.generated_at).total_seconds() < REPORT_REUSE_SECONDS:
                return cached
            policies = self.book.active(session, domain_ids=domain_ids)
            snapshot = self._scoped_snapshot(session, domain_ids)
        report = self._fresh_report(policies, snapshot, now)
        # One entry per viewer scope (a few dozen at most): viewers taking turns must not evict each other, or
        # the same viewer would see a time-based rule tick between the home page and the governance page.
        fresh = {k: v for k, v in self._reports.items() if k[1] == key[1] and k != key}
        self._reports = {**dict(list(fresh.items())[-REPORTS_KEPT + 1 :]), key: report}
        return report

    def _fresh_report(self, policies: Any, snapshot: Any, now: datetime) -> ComplianceReport:
        outcome = run(policies, snapshot, now=now, budget_seconds=self.budget_seconds)
        per_domain = []
        for domain_id, ref in sorted(snapshot.domains.items(), key=lambda item: item[1].slug):
            rows = outcome.compliance(policies, domain_id)
            per_domain.append(DomainCompliance(domain=ref.slug, compliance_pct=_overall(rows), policies=rows))
        overall = outcome.compliance(policies)
        return ComplianceReport(
            generated_at=outcome.evaluated_at,
            compliance_pct=_overall(overall),
            policies=overall,
            domains=per_domain,
        )

    # -- scope -----------------------------------------------------------------------------------
    def _scope(self, session: Session, actor: Principal, domain: str | None) -> set[str] | None:
        """Domain ids the caller may see governance results of; None means all (platform admins)."""
        if domain is not None:
            row = require_domain_row(session, domain)
            resource = Resource(kind="domain", name=row.name, domain_id=row.id, visible=True)
            self._authz.authorize(actor, Action.ITEM_READ, resource, session)
            return {row.id}
        if actor.is_platform_admin:
            return None
        if actor.disabled:
            return set()
        return set(session.scalars(assignments.domain_ids_of(actor.id)))


def _named(policies: list[ActivePolicy], names: list[str]) -> list[ActivePolicy]:
    by_name = {p.name.lower(): p for p in policies}
    missing = [n for n in names if n.lower() not in by_name]
    if missing:
        raise NotFound(f"Policy {missing[0]!r} not found")
    return [by_name[n.lower()] for n in names]


def _overall(rows: list[PolicyCompliance]) -> float:
    checked = sum(r.checked for r in rows)
    compliant = sum(r.compliant for r in rows)
    return percent(compliant, checked)


def _violation(row: ViolationRow) -> Violation:
    return Violation(
        id=row.id,
        policy=row.policy_name,
        enforcement=row.enforcement,
        severity=row.severity,
        subject_id=row.subject_id,
        subject_kind=row.subject_kind,
        domain=row.domain,
        finding=row.finding,
        message=row.message,
        status=row.status,
        first_seen_at=row.first_seen_at,
        last_seen_at=row.last_seen_at,
        resolved_at=row.resolved_at,
    )
