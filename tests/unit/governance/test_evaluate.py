"""Evaluation reports: findings per policy and counts, in the order the policies were given."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lakemesh.governance.rules import evaluate, parse_policy_rule
from lakemesh.governance.subjects import Subjects


def test_report_counts_every_policy(catalog: Subjects, now: datetime) -> None:
    rules = [
        ("retention", parse_policy_rule("tables must have retention_days >= 7")),
        ("owners", parse_policy_rule("products must have owner is set")),
        ("stewards", parse_policy_rule("lakehouses must have data_steward is set")),
        ("nothing", parse_policy_rule("columns named 'absent' must have sensitivity_label is set")),
    ]
    report = evaluate(rules, catalog, now=now)
    assert [(c.policy, c.subject_kind, c.checked, c.compliant, c.violating, c.errors) for c in report.policies] == [
        ("retention", "table", 5, 4, 1, 0),
        ("owners", "product", 2, 1, 1, 0),
        ("stewards", "lakehouse", 2, 1, 1, 0),
        ("nothing", "column", 0, 0, 0, 0),
    ]
    assert [f.policy for f in report.findings] == ["retention", "owners", "stewards"]
    assert report.findings_of("owners")[0].subject_id == "product:marketing/campaigns"
    assert not report.compliant
    assert report.evaluated_at == now


def test_unknown_policy_counts_raise(catalog: Subjects, now: datetime) -> None:
    report = evaluate([], catalog, now=now)
    assert report.compliant and report.policies == ()
    with pytest.raises(KeyError):
        report.counts_of("missing")


def test_evaluation_defaults_to_the_current_time(catalog: Subjects) -> None:
    report = evaluate([("p", parse_policy_rule("domains must have owner is set"))], catalog)
    assert report.evaluated_at.tzinfo is UTC
    assert report.compliant


def test_check_names_the_policy_and_ignores_other_kinds(catalog: Subjects, now: datetime) -> None:
    rule = parse_policy_rule("tables must have retention_days >= 7")
    finding = rule.check(catalog.tables[3], now=now, policy="retention")
    assert finding is not None and finding.policy == "retention" and finding.subject_kind == "table"
    assert rule.check(catalog.products[0], now=now) is None
    assert not rule.applies_to(catalog.lakehouses[1])


def test_same_rule_under_two_policies_is_counted_twice(catalog: Subjects, now: datetime) -> None:
    rule = parse_policy_rule("gold tables must have last_refresh within 24h")
    report = evaluate([("a", rule), ("b", rule)], catalog, now=now)
    assert [c.violating for c in report.policies] == [2, 2]
    assert len(report.findings) == 4
