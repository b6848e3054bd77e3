"""Evaluating stored policies against a snapshot, and turning findings into open and resolved violations.

A GLOBAL policy is checked in every domain; a DOMAIN policy only in its own. Each policy has a time budget
per evaluation, so no rule can hold an evaluation for ever: when it runs out, the policy is reported as
timed out and its existing violations are left as they were (an incomplete check resolves nothing).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from lakemesh.catalog.journal import publish
from lakemesh.catalog.tables.governance import NotificationRow, PolicyRow, ViolationRow
from lakemesh.core.ids import new_id
from lakemesh.governance.models import NO_RULE, SEVERITY, PolicyCompliance
from lakemesh.governance.rules import CompiledRule, Finding, NoRule, parse_policy_rule
from lakemesh.governance.snapshot import DomainRef, Snapshot
from lakemesh.governance.subjects import Subject, Subjects

CHUNK = 2000  # subjects checked between two looks at the clock
NOTIFY = frozenset({"block", "alert"})


@dataclass(frozen=True)
class ActivePolicy:
    """A stored policy with its rule compiled."""

    id: str
    name: str
    enforcement: str
    domain_id: str | None
    rule: CompiledRule

    @property
    def subject_kind(self) -> str:
        return self.rule.subject_kind if self.rule.text else "none"

    @property
    def note(self) -> str | None:
        return None if self.rule.text else NO_RULE


class PolicyBook:
    """Compiled rules, cached by policy id and version: reading the policy list is cheap, compiling is not."""

    def __init__(self) -> None:
        self._compiled: dict[tuple[str, int], CompiledRule] = {}
        self._lock = threading.Lock()

    def active(self, reader: Session | Connection, *, domain_ids: Collection[str] | None = None) -> list[ActivePolicy]:
        """GLOBAL policies and the DOMAIN policies of `domain_ids` (all of them when None), by name."""
        query = select(
            PolicyRow.id,
            PolicyRow.name,
            PolicyRow.enforcement,
            PolicyRow.domain_id,
            PolicyRow.rule,
            PolicyRow.language,
            PolicyRow.version,
        ).order_by(PolicyRow.slug)
        policies = []
        for row in reader.execute(query):
            if domain_ids is not None and row.domain_id is not None and row.domain_id not in domain_ids:
                continue
            rule = self.compiled(row.id, row.version, row.rule, row.language)
            policies.append(ActivePolicy(row.id, row.name, row.enforcement, row.domain_id, rule))
        return policies

    def compiled(self, policy_id: str, version: int, text: str, language: Any) -> CompiledRule:
        key = (policy_id, version)
        with self._lock:
            rule = self._compiled.get(key)
        if rule is None:
            rule = NoRule() if not text.strip() else parse_policy_rule(text, language=language)
            with self._lock:
                self._compiled[key] = rule
        return rule


@dataclass
class Outcome:
    """Findings with their policy and domain, and the counts per (policy, domain)."""

    evaluated_at: datetime
    findings: list[tuple[ActivePolicy, str, Finding]] = field(default_factory=list)
    counts: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # checked, violating, errors
    timed_out: set[str] = field(default_factory=set)
    checks: int = 0

    def compliance(self, policies: Iterable[ActivePolicy], domain_id: str | None = None) -> list[PolicyCompliance]:
        """Counts per policy, over every domain or one."""
        result = []
        for policy in policies:
            checked = violating = errors = 0
            for (policy_id, d), (c, v, e) in self.counts.items():
                if policy_id == policy.id and (domain_id is None or d == domain_id):
                    checked, violating, errors = checked + c, violating + v, errors + e
            if domain_id is not None and policy.domain_id not in (None, domain_id):
                continue
            result.append(
                PolicyCompliance(
                    policy=policy.name,
                    enforcement=policy.enforcement,
                    subject_kind=policy.subject_kind,
                    checked=checked,
                    compliant=checked - violating - errors,
                    violating=violating,
                    errors=errors,
                    timed_out=policy.id in self.timed_out,
                    compliance_pct=percent(checked - violating - errors, checked),
                    note=policy.note,
                )
            )
        return result


def percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 2) if whole else 100.0


def run(policies: Iterable[ActivePolicy], snapshot: Snapshot, *, now: datetime, budget_seconds: float) -> Outcome:
    """Check every policy in every domain it applies to, each within its time budget."""
    outcome = Outcome(now)
    for policy in policies:
        deadline = time.monotonic() + budget_seconds
        for domain_id, subjects in snapshot.by_domain.items():
            if policy.domain_id is not None and policy.domain_id != domain_id:
                continue
            if not _check_domain(policy, domain_id, subjects, outcome, deadline):
                outcome.timed_out.add(policy.id)
                break
    return outcome


def _check_domain(policy: ActivePolicy, domain_id: str, subjects: Subjects, outcome: Outcome, deadline: float) -> bool:
    items = subjects.of_kind(policy.rule.subject_kind)
    counts = outcome.counts.setdefault((policy.id, domain_id), [0, 0, 0])
    for start in range(0, len(items), CHUNK):
        if time.monotonic() > deadline:
            return False
        checked, found = policy.rule.check_all(
            items[start : start + CHUNK], now=outcome.evaluated_at, policy=policy.name
        )
        errors = sum(1 for f in found if f.status == "error")
        counts[0] += checked
        counts[1] += len(found) - errors
        counts[2] += errors
        outcome.checks += checked
        outcome.findings.extend((policy, domain_id, f) for f in found)
    return True


def check_subjects(
    policies: Iterable[ActivePolicy], subjects: Iterable[Subject], *, now: datetime
) -> list[tuple[ActivePolicy, Finding]]:
    """The synchronous check of a few subjects (a product being published, a table being written)."""
    listed = list(subjects)
    found: list[tuple[ActivePolicy, Finding]] = []
    for policy in policies:
        for subject in listed:
            finding = policy.rule.check(subject, now=now, policy=policy.name)
            if finding is not None:
                found.append((policy, finding))
    return found


def record(
    session: Session,
    outcome: Outcome,
    policies: Collection[ActivePolicy],
    domains: dict[str, DomainRef],
) -> tuple[int, int]:
    """Open violations for new findings, refresh known ones, resolve those no longer found; returns counts.

    Only the given policies and domains are touched, and a timed-out policy resolves nothing.
    """
    policy_ids = [p.id for p in policies]
    if not policy_ids or not domains:
        return 0, 0
    existing = {
        (v.policy_id, v.subject_id): v
        for v in session.scalars(
            select(ViolationRow).where(
                ViolationRow.status == "open",
                ViolationRow.policy_id.in_(policy_ids),
                ViolationRow.domain_id.in_(list(domains)),
            )
        )
    }
    now = outcome.evaluated_at
    opened = 0
    seen: set[tuple[str, str]] = set()
    for policy, domain_id, finding in outcome.findings:
        key = (policy.id, finding.subject_id)
        if key in seen:
            continue
        seen.add(key)
        row = existing.get(key)
        if row is not None:
            row.last_seen_at, row.message, row.finding = now, finding.message, finding.status
            continue
        row = ViolationRow(
            id=new_id("vio"),
            policy_id=policy.id,
            policy_name=policy.name,
            enforcement=policy.enforcement,
            severity=SEVERITY[policy.enforcement],
            subject_id=finding.subject_id,
            subject_kind=finding.subject_kind,
            domain_id=domain_id,
            domain=domains[domain_id].slug,
            finding=finding.status,
            message=finding.message,
            status="open",
            first_seen_at=now,
            last_seen_at=now,
        )
        session.add(row)
        opened += 1
        if policy.enforcement in NOTIFY:
            notify(session, row, "violation.opened", now)
    resolved = 0
    for key, row in existing.items():
        if key in seen or row.policy_id in outcome.timed_out:
            continue
        resolve(session, row, now, "the subject is compliant now")
        resolved += 1
    return opened, resolved


def resolve(session: Session, row: ViolationRow, now: datetime, why: str) -> None:
    row.status, row.resolved_at = "resolved", now
    if row.enforcement in NOTIFY:
        notify(session, row, "violation.resolved", now, why=why)


def notify(session: Session, row: ViolationRow, kind: str, now: datetime, *, why: str | None = None) -> None:
    """A notification people can list, and the outbox event webhooks are delivered from."""
    message = row.message if why is None else f"resolved ({why}): {row.subject_id} under {row.policy_name}"
    notification = NotificationRow(
        id=new_id("ntf"),
        at=now,
        kind=kind,
        severity=row.severity,
        policy_name=row.policy_name,
        subject_id=row.subject_id,
        domain_id=row.domain_id,
        domain=row.domain,
        message=message,
    )
    session.add(notification)
    publish(
        session,
        at=now,
        type=f"governance.{kind}",
        domain=row.domain,
        resource_type="violation",
        resource_id=row.id,
        payload={
            "notification": notification.id,
            "policy": row.policy_name,
            "enforcement": row.enforcement,
            "severity": row.severity,
            "subject_id": row.subject_id,
            "subject_kind": row.subject_kind,
            "domain": row.domain,
            "message": message,
        },
    )
