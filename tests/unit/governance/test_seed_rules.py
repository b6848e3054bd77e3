"""The three policies of the seed scenario parse and evaluate exactly as written there."""

from __future__ import annotations

from datetime import datetime, timedelta

from lakemesh.governance.rules import evaluate, parse_policy_rule
from lakemesh.governance.subjects import ColumnSubject, LakehouseSubject, Subjects, TableSubject

PII = """
            columns containing 'email', 'phone', 'ssn', 'address'
            must have sensitivity_label in ('Confidential', 'Highly Confidential')
        """
RETENTION = "tables must have retention_days >= 7"
FRESHNESS = "gold tables must have last_refresh within 24h"


def test_pii_rule_flags_unlabelled_and_public_pii_columns(catalog: Subjects, now: datetime) -> None:
    report = evaluate([("pii-classification", parse_policy_rule(PII))], catalog, now=now)
    assert {f.subject_id for f in report.findings} == {
        "column:sales/sales_lakehouse/bronze_leads/email",
        "column:sales/sales_lakehouse/bronze_leads/home_address",
    }
    email = next(f for f in report.findings if f.subject_id.endswith("/email"))
    assert email.message == (
        "column email of sales/sales_lakehouse/bronze_leads has no sensitivity_label; "
        "must be in ('Confidential', 'Highly Confidential')"
    )
    assert email.status == "violation" and email.subject_kind == "column"
    counts = report.counts_of("pii-classification")
    assert (counts.checked, counts.compliant, counts.violating) == (4, 2, 2)


def test_pii_rule_accepts_labelled_columns(now: datetime) -> None:
    rule = parse_policy_rule(PII)
    table = TableSubject("S", "lh", "t", columns=(ColumnSubject("work_email", sensitivity_label="confidential"),))
    assert rule.check(table.columns[0], now=now) is None
    assert not rule.applies_to(ColumnSubject("amount"))


def test_retention_rule(catalog: Subjects, now: datetime) -> None:
    report = evaluate([("retention-minimum", parse_policy_rule(RETENTION))], catalog, now=now)
    assert [f.subject_id for f in report.findings] == ["table:marketing/scratch_lakehouse/gold_campaigns"]
    assert report.findings[0].message == (
        "table marketing/scratch_lakehouse/gold_campaigns has retention_days 3; must be >= 7"
    )
    counts = report.counts_of("retention-minimum")
    assert (counts.checked, counts.compliant, counts.violating) == (5, 4, 1)


def test_retention_rule_without_any_retention_is_a_violation(now: datetime) -> None:
    finding = parse_policy_rule(RETENTION).check(TableSubject("S", "lh", "t"), now=now)
    assert finding is not None and "has no retention_days" in finding.message


def test_freshness_rule_checks_only_gold_tables(catalog: Subjects, now: datetime) -> None:
    report = evaluate([("sales-data-freshness", parse_policy_rule(FRESHNESS))], catalog, now=now)
    assert {f.subject_id for f in report.findings} == {
        "table:sales/sales_lakehouse/gold_customer_360",
        "table:marketing/scratch_lakehouse/gold_campaigns",
    }
    stale = next(f for f in report.findings if "customer_360" in f.subject_id)
    assert "(30h ago); must be within 24h" in stale.message
    never = next(f for f in report.findings if "campaigns" in f.subject_id)
    assert "has no last_refresh; must be within 24h" in never.message
    assert report.counts_of("sales-data-freshness").checked == 3


def test_freshness_rule_accepts_a_fresh_gold_table(now: datetime) -> None:
    rule = parse_policy_rule(FRESHNESS)
    fresh = TableSubject("S", "lh", "gold_t", last_refresh=now - timedelta(hours=23, minutes=59))
    assert rule.check(fresh, now=now) is None
    stale_bronze = TableSubject("S", "lh", "bronze_t", last_refresh=now - timedelta(days=9))
    assert rule.check(stale_bronze, now=now) is None


def test_all_three_together(now: datetime) -> None:
    snapshot = Subjects(
        lakehouses=(LakehouseSubject("Sales", "sales_lakehouse", retention_days=90),),
        tables=(TableSubject("Sales", "sales_lakehouse", "gold_c", last_refresh=now, columns=(ColumnSubject("id"),)),),
    )
    rules = [(name, parse_policy_rule(text)) for name, text in (("a", PII), ("b", RETENTION), ("c", FRESHNESS))]
    report = evaluate(rules, snapshot, now=now)
    assert report.compliant
    assert [(c.policy, c.checked) for c in report.policies] == [("a", 0), ("b", 1), ("c", 1)]
