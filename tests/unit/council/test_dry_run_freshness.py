"""A proposal's dry-run reuses the governance snapshot between catalog changes, yet never answers from a stale one."""

from __future__ import annotations

import copy
from contextlib import ExitStack

import pyarrow as pa
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


def test_after_changes_in_one_domain_the_kept_snapshot_is_what_a_fresh_load_gives(
    council: Council, platform: Platform
) -> None:
    compliance = platform.governance.compliance
    with platform.catalog.read() as session:
        before = compliance.whole_snapshot(session)
    council.sales.update_table(
        "Sales", "sales_lakehouse", "gold_customer_360", columns={"email": {"sensitivity_label": "Confidential"}}
    )
    council.sales.write_table("Sales", "sales_lakehouse", "bronze_new", pa.table({"phone": ["1"]}))
    council.sales.update_lakehouse("Sales", "sales_lakehouse", retention_days=12)
    council.admin.propose("Adopt pii-classification", policy=PII)  # the council's own events change no subject
    with platform.catalog.read() as session:
        kept = compliance.whole_snapshot(session)
        fresh = compliance._snapshot(session, None)
    assert kept == fresh
    [sales] = [d for d, ref in kept.domains.items() if ref.slug == "sales"]
    [marketing] = [d for d, ref in kept.domains.items() if ref.slug == "marketing"]
    assert kept.by_domain[marketing] is before.by_domain[marketing]  # only Sales was loaded again
    tables = {t.name: t for t in kept.by_domain[sales].tables}
    assert tables["bronze_new"].retention_days == 12
    assert [c.sensitivity_label for c in tables["gold_customer_360"].columns if c.name == "email"] == ["Confidential"]
    council.admin.update_domain("Marketing", display_name="Marketing-Domain")  # any domain event: all again
    with platform.catalog.read() as session:
        assert compliance.whole_snapshot(session) == compliance._snapshot(session, None)
