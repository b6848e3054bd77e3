"""The quality rule language: what parses, what it means, and what is refused."""

from __future__ import annotations

from datetime import timedelta

import pyarrow as pa
import pytest

from lakemesh.core.errors import InvalidInput
from lakemesh.engine.rules import parse_rule, parse_threshold, validate_rule_columns

SEED_RULES = [
    "customer_id is not null",
    "lifetime_value >= 0",
    "churn_risk between 0 and 1",
    "last_updated within 25 hours",
]


@pytest.mark.parametrize("text", SEED_RULES)
def test_seed_rules_are_row_rules_named_by_their_text(text: str) -> None:
    rule = parse_rule(text)
    assert rule.kind == "row"
    assert rule.name == text
    assert rule.threshold == 1.0
    assert rule.severity == "error"


def test_columns_referenced_are_reported_and_quoted_in_sql() -> None:
    rule = parse_rule("lower(email) like '%@%' and lifetime_value + 1 > churn_risk")
    assert rule.columns == frozenset({"email", "lifetime_value", "churn_risk"})
    assert '"email"' in rule.sql
    assert '"lifetime_value"' in rule.sql


def test_within_means_newer_than_now_minus_the_duration() -> None:
    rule = parse_rule("last_updated within 25 hours")
    assert rule.max_age == timedelta(hours=25)
    assert rule.columns == frozenset({"last_updated"})
    assert rule.sql.startswith('"last_updated" >= CURRENT_TIMESTAMP - INTERVAL')


def test_within_accepts_short_durations() -> None:
    assert parse_rule("last_updated within 24h").max_age == timedelta(hours=24)


def test_dataset_rules() -> None:
    count = parse_rule("row_count >= 1000")
    unique = parse_rule("unique(customer_id)")
    fresh = parse_rule("freshness(last_updated) < 24h")
    assert (count.kind, count.check, count.sql) == ("dataset", "row_count", "COUNT(*) >= 1000")
    assert (unique.kind, unique.check, unique.column) == ("dataset", "unique", "customer_id")
    assert (fresh.kind, fresh.check, fresh.max_age) == ("dataset", "freshness", timedelta(hours=24))


def test_name_threshold_and_severity_are_kept() -> None:
    rule = parse_rule("lifetime_value >= 0", name="ltv_positive", threshold="95%", severity="warning")
    assert (rule.name, rule.threshold, rule.severity) == ("ltv_positive", 0.95, "warning")


@pytest.mark.parametrize(("value", "expected"), [(1, 1.0), (0.95, 0.95), (95, 0.95), ("99.5%", 0.995), ("0", 0.0)])
def test_thresholds_accept_fractions_and_percentages(value: float | str, expected: float) -> None:
    assert parse_threshold(value) == pytest.approx(expected)


@pytest.mark.parametrize("value", [-0.1, 101, "lots", "", "nan%"])
def test_bad_thresholds_are_refused(value: float | str) -> None:
    with pytest.raises(InvalidInput):
        parse_threshold(value)


def test_bad_severity_is_refused() -> None:
    with pytest.raises(InvalidInput, match="severity"):
        parse_rule("x > 0", severity="catastrophic")


@pytest.mark.parametrize(
    ("text", "construct"),
    [
        ("1=1; DROP TABLE x", "';'"),
        ("x > 0;", "';'"),
        ("(select 1) = 1", "subquery"),
        ("customer_id in (select id from customers)", "subquery"),
        ("exists (select 1)", "subquery"),
        ("SELECT 1", "SELECT"),
        ("DROP TABLE customers", "DROP"),
        ("read_csv('/etc/passwd') is not null", "read_csv()"),
        ("getenv('HOME') = 'x'", "getenv()"),
        ("no_such_function(x) > 0", "no_such_function()"),
        ("sum(lifetime_value) > 0", "aggregate function sum()"),
        ("count(*) over () > 1", "window function"),
        ("*", "*"),
        ("c.customer_id is not null", "qualified"),
        ("x > 0 AS y", "AS alias"),
        ("x > ?", "parameter"),
        ("lifetime_value + 1", "must be a condition"),
        ("42", "must be a condition"),
        ("row_count >= 'many'", "whole numbers"),
        ("unique(a, b)", "single column"),
        ("freshness(x) > 24h", "freshness"),
        ("last_updated within 3 fortnights", "duration"),
        ("last_updated within -1h", "duration"),
        ("x >", "not a valid condition"),
        ("", "non-empty"),
        ("x > 0 or " * 1000 + "x > 0", "at most"),
    ],
)
def test_hostile_and_broken_rules_are_refused_naming_the_construct(text: str, construct: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_rule(text, loc=("quality_rules", 3))
    assert construct in caught.value.errors[0].message
    assert caught.value.errors[0].loc[:2] == ("quality_rules", 3)


def test_unknown_columns_are_reported_by_name_case_insensitively() -> None:
    schema = {"Customer_ID": pa.string(), "last_updated": pa.timestamp("us", tz="UTC")}
    assert validate_rule_columns(parse_rule("customer_id is not null"), schema) == []
    errors = validate_rule_columns(parse_rule("custmer_id is not null and LAST_UPDATED is not null"), schema)
    assert len(errors) == 1
    assert "'custmer_id'" in errors[0].message
    assert errors[0].extra == {"column": "custmer_id"}


def test_time_rules_need_a_temporal_column() -> None:
    errors = validate_rule_columns(parse_rule("segment within 1h"), {"segment": pa.string()})
    assert "timestamp or date" in errors[0].message
