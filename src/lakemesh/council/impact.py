"""The dry-run of a policy proposal: which subjects in which domains would violate it, and which of them newly.

It runs the governance evaluator over the same snapshot scheduled evaluations use, twice: the proposed rule and
the policy as it stands today (if any). The difference is what the proposal changes; the proposed rule's findings
are exactly the violations the policy opens once applied, so the council votes on what will happen.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime

from sqlalchemy.orm import Session

from lakemesh.core.names import slugify
from lakemesh.council.models import DomainImpact, Impact, ImpactSubject
from lakemesh.domains.service import find_domain_row
from lakemesh.governance.compliance import Compliance
from lakemesh.governance.evaluation import ActivePolicy, run
from lakemesh.governance.models import PolicyDocument
from lakemesh.governance.rules import compile_policy

MAX_SUBJECTS = 1000
# A dry-run is a one-off over the whole mesh: it may take longer than one scheduled check of one policy.
BUDGET_SECONDS = 60.0


def policy_impact(
    session: Session, compliance: Compliance, document: PolicyDocument | None, name: str, *, now: datetime
) -> Impact:
    """`document` None: the policy is retired (nothing violates it any more)."""
    started = time.perf_counter()
    current = [p for p in compliance.book.active(session) if slugify(p.name) == slugify(name)]
    proposed: list[ActivePolicy] = []
    if document is not None:
        domain = find_domain_row(session, document.domain_ref) if document.domain_ref else None
        rule = compile_policy(document.rule, language=document.language)
        proposed = [ActivePolicy("proposed", name, document.enforcement, domain.id if domain else None, rule)]
    snapshot = compliance.whole_snapshot(session)
    before = run(current, snapshot, now=now, budget_seconds=BUDGET_SECONDS)
    after = run(proposed, snapshot, now=now, budget_seconds=BUDGET_SECONDS)
    today = {(d, f.subject_id) for _, d, f in before.findings}
    found = {(d, f.subject_id) for _, d, f in after.findings}
    subjects = [
        ImpactSubject(
            domain=snapshot.domains[d].slug,
            subject_id=f.subject_id,
            subject_kind=f.subject_kind,
            message=f.message,
            new=(d, f.subject_id) not in today,
        )
        for _, d, f in after.findings
    ]
    subjects.sort(key=lambda s: (not s.new, s.domain, s.subject_id))
    per_domain = Counter(s.domain for s in subjects)
    newly = Counter(s.domain for s in subjects if s.new)
    reference = proposed[0] if proposed else (current[0] if current else None)
    return Impact(
        policy=name,
        enforcement=document.enforcement if document else (current[0].enforcement if current else "warn"),
        subject_kind=reference.subject_kind if reference else "none",
        checked=after.checks,
        violating=len(found),
        newly_violating=len(found - today),
        no_longer_violating=len(today - found),
        domains=[DomainImpact(domain=d, violating=per_domain[d], newly_violating=newly[d]) for d in sorted(per_domain)],
        subjects=subjects[:MAX_SUBJECTS],
        evaluated_at=now,
        seconds=round(time.perf_counter() - started, 3),
    )
