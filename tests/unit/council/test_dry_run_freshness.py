"""A proposal's dry-run reuses the governance snapshot between catalog changes, yet never answers from a stale one."""

from __future__ import annotations

import copy
from contextlib import ExitStack

import pytest
from sqlalchemy import select

from lakemesh.catalog import journal
from lakemesh.catalog.tables.lakehouses import TableRow
from lakemesh.council.impact import policy_impact
from lakemesh.demo.governance import GLOBAL_POLICIES
from lakemesh.governance.models import PolicyDocument
from lakemesh.platform import Platform
from tests.unit.council.conftest import Council

PII = copy.deepcopy(GLOBAL_POLICIES[0])
EMAIL = "column:sales/sales_lakehouse/gold_customer_360/email"


def _violating(council: Council) -> set[str]:
    impact = council.admin.propose("Adopt pii-classification", policy=PII).impact
    assert impact is not None
    return {s.subject_id for s in impact.subjects}


def _dry_run(platform: Platform) -> set[str]:
    """What a proposal's dry-run answers, without the proposal's own events in between."""
    with platform.catalog.read() as session:
        document = PolicyDocument.model_validate(PII)
        impact = policy_impact(session, platform.governance.compliance, document, PII["name"], now=platform.clock.now())
    return {s.subject_id for s in impact.subjects}


def test_a_label_set_after_a_dry_run_is_seen_by_the_next_dry_run(council: Council) -> None:
    assert EMAIL in _violating(council)
    assert EMAIL in _violating(council)  # nothing changed: the same answer (from the kept snapshot)
    council.sales.update_table(
        "Sales", "sales_lakehouse", "gold_customer_360", columns={"email": {"sensitivity_label": "Confidential"}}
    )
    assert EMAIL not in _violating(council)
    council.sales.update_table(
        "Sales", "sales_lakehouse", "gold_customer_360", columns={"email": {"sensitivity_label": "Public"}}
    )
    assert EMAIL in _violating(council)


def test_a_change_committed_after_a_newer_one_is_not_hidden_by_it(council: Council, platform: Platform) -> None:
    """On PostgreSQL an event's id is taken when it is written: a transaction can commit after one holding a
    higher id, so 'the newest event is the same' does not mean 'nothing changed'."""
    if platform.catalog.is_sqlite:
        pytest.skip("SQLite has one writer at a time: events commit in the order of their ids")
    assert EMAIL in _dry_run(platform)
    with ExitStack() as late:
        session = late.enter_context(platform.catalog.transaction())  # takes its event id now, commits last
        row = session.scalar(select(TableRow).where(TableRow.name == "gold_customer_360"))
        assert row is not None
        row.columns = [
            {**c, "sensitivity_label": "Confidential"} if c["name"] == "email" else c for c in row.columns or []
        ]
        journal.record(
            session,
            at=platform.clock.now(),
            actor="late-writer@company.com",
            action="table.updated",
            resource_type="table",
            resource_id=row.id,
            resource_name=row.name,
            domain="sales",
        )
        session.flush()
        council.sales.update_table("Sales", "sales_lakehouse", "silver_secret_deals", description="Deals")
        assert EMAIL in _dry_run(platform)  # the late change is not committed yet
    assert EMAIL not in _dry_run(platform)
    assert EMAIL not in _violating(council)
