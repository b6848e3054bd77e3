"""Every construct of the sentence rule language, and how it refuses bad rules."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from lakemesh.core.errors import InvalidInput
from lakemesh.governance.rules import evaluate, parse_policy_rule
from lakemesh.governance.subjects import ColumnSubject, ProductSubject, Subjects, TableSubject


def violators(rule: str, catalog: Subjects, now: datetime) -> set[str]:
    report = evaluate([("p", parse_policy_rule(rule))], catalog, now=now)
    return {f.subject_id.split("/")[-1] for f in report.findings}


def selected(rule: str, catalog: Subjects, now: datetime) -> int:
    return evaluate([("p", parse_policy_rule(rule))], catalog, now=now).policies[0].checked


def rule_error(text: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        parse_policy_rule(text)
    assert caught.value.errors[0].loc == ("rule",)
    return caught.value.errors[0].message


@pytest.mark.parametrize(
    ("rule", "count"),
    [
        ("tables must have name is set", 5),
        ("gold tables must have name is set", 3),
        ("bronze silver tables must have name is set", 2),
        ("tables named 'GOLD_ORDERS', 'silver_events' must have name is set", 2),
        ("tables containing 'CUSTOMER' must have name is set", 1),
        ("tables in domain 'marketing' must have name is set", 2),
        ("tables tagged 'PII' must have name is set", 1),
        ("tables where row_count > 0 must have name is set", 2),
        ("gold tables in domain 'Sales' where row_count >= 5 must have name is set", 2),
        ("columns where layer = 'gold' must have name is set", 2),
        ("gold columns must have name is set", 2),
        ("products tagged 'customer' must have name is set", 1),
        ("lakehouses named 'sales_lakehouse' must have name is set", 1),
        ("domains must have name is set", 1),
        ("table must have name is set", 5),
    ],
)
def test_subject_qualifiers_select_subjects(rule: str, count: int, catalog: Subjects, now: datetime) -> None:
    assert selected(rule, catalog, now) == count


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("tables must have row_count = 5", {"bronze_leads", "gold_customer_360", "gold_campaigns", "silver_events"}),
        ("tables where row_count is set must have row_count != 0", {"silver_events"}),
        ("tables where row_count is set must have row_count < 1000", {"gold_customer_360"}),
        ("tables where row_count is set must have row_count <= 5", {"gold_customer_360"}),
        ("tables where row_count is set must have row_count > 5", {"gold_orders", "silver_events"}),
        ("tables in domain 'sales' must have description = 'unified CUSTOMER view'", {"bronze_leads", "gold_orders"}),
        ("tables in domain 'sales' must have layer in ('gold', 'silver')", {"bronze_leads"}),
        ("tables in domain 'sales' must have layer not in ('bronze')", {"bronze_leads"}),
        ("tables in domain 'sales' must have last_refresh within 90 minutes", {"bronze_leads", "gold_customer_360"}),
        ("tables in domain 'sales' must have description is not set", {"gold_customer_360"}),
        ("tables in domain 'sales' must have name matches '^gold_'", {"bronze_leads"}),
        ("tables in domain 'sales' must have tags matches 'p.i'", {"gold_customer_360", "gold_orders"}),
        ("tables in domain 'sales' must have tags in ('pii', 'x')", {"gold_customer_360", "gold_orders"}),
        ("tables in domain 'sales' must have is_shortcut = false", set()),
        ("tables in domain 'sales' must have row_count > 10 or description is set", {"bronze_leads", "gold_orders"}),
        ("tables in domain 'sales' must have row_count > 1 and layer = 'gold'", {"bronze_leads"}),
        ("tables in domain 'sales' must have not (layer = 'bronze')", {"bronze_leads"}),
        ("tables in domain 'sales' must have (row_count > 10 or layer = 'bronze') and name is set", {"gold_orders"}),
        ("tables in domain 'sales' must not have tags is set", {"bronze_leads"}),
        ("products must have quality_score >= 95", {"campaigns"}),
        ("products must have sla_freshness <= 1d", {"campaigns"}),
        ("lakehouses must have auto_vacuum = true", {"scratch_lakehouse"}),
        ("columns must have nullable = true", {"lead_id"}),
    ],
)
def test_conditions(rule: str, expected: set[str], catalog: Subjects, now: datetime) -> None:
    assert violators(rule, catalog, now) == expected


def test_keywords_are_case_insensitive_and_text_comparisons_too(catalog: Subjects, now: datetime) -> None:
    upper = "GOLD TABLES In Domain 'SALES' MUST HAVE LAST_REFRESH WITHIN 24 Hours And Layer IN ('GOLD')"
    assert violators(upper, catalog, now) == {"gold_customer_360"}


def test_rules_may_span_lines_and_quote_with_either_quote(catalog: Subjects, now: datetime) -> None:
    rule = "tables\n  named \"gold_orders\"\n  must have description = 'it\\'s'"
    assert violators(rule, catalog, now) == {"gold_orders"}


def test_and_explains_each_failing_part(now: datetime) -> None:
    rule = parse_policy_rule("tables must have row_count > 0 and description is set and layer = 'gold'")
    finding = rule.check(TableSubject("S", "lh", "gold_t", row_count=0), now=now)
    assert finding is not None
    assert finding.message == "table s/lh/gold_t has row_count 0; must be > 0, and has no description; must be set"


def test_must_not_have_names_the_values(now: datetime) -> None:
    finding = parse_policy_rule("tables must not have retention_days < 7").check(
        TableSubject("S", "lh", "t", retention_days=3), now=now
    )
    assert finding is not None
    assert finding.message == "table s/lh/t has retention_days 3; must not have retention_days < 7"


def test_or_and_not_name_the_values_and_the_condition(now: datetime) -> None:
    rule = parse_policy_rule("products must have owner is set or not (status = 'draft')")
    finding = rule.check(ProductSubject("S", "P"), now=now)
    assert finding is not None
    assert (
        finding.message
        == "product s/p has owner None, status 'draft'; must have (owner is set or not status = 'draft')"
    )


def test_where_with_within_uses_the_evaluation_time(now: datetime) -> None:
    rule = parse_policy_rule("tables where last_refresh within 1h must have row_count > 0")
    recent = TableSubject("S", "lh", "t", last_refresh=now - timedelta(minutes=5), row_count=0)
    assert rule.applies_to(recent, now=now)
    assert not rule.applies_to(recent, now=now + timedelta(hours=2))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tables should have x = 1", "line 1, column 8: expected 'must' after the subject, got 'should'"),
        ("tables must x = 1", "line 1, column 13: expected 'have' after 'must', got 'x'"),
        ("views must have name is set", "line 1, column 1: expected the subject: tables, columns, products"),
        ("tables must have name", "line 1, column 22: expected a condition after the attribute"),
        ("tables must have name =", "line 1, column 24: expected a value: a quoted text"),
        ("tables must have last_refresh within soon", "line 1, column 38: expected a duration like 24h or 90d"),
        ("tables must have name is", "expected 'set' after 'is', got the end of the rule"),
        ("tables must have (name is set", "expected ')', got the end of the rule"),
        ("tables must have row_count = 1 2", "line 1, column 32: expected 'and', 'or' or the end of the rule, got '2'"),
        ("tables\n  must have row_count ~ 1", "line 2, column 23: expected a condition after the attribute"),
        ("tables must have name = 'unterminated", 'got "\'unterminated"'),
    ],
)
def test_parse_errors_say_where_and_what_was_expected(text: str, message: str) -> None:
    assert message in rule_error(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tables must have owner is set", "tables have no attribute 'owner'; known attributes: column_count"),
        ("columns where colour = 'red' must have name is set", "columns have no attribute 'colour'"),
        ("tables must have retention_days >= '7'", "retention_days of tables is number, but '7' is text"),
        ("tables must have name > 3", "name of tables is text, but 3 is number"),
        ("tables must have is_shortcut > true", "is_shortcut is boolean; compare it with = or !="),
        ("tables must have row_count within 24h", "row_count is number; 'within' needs a time"),
        ("tables must have last_refresh > 3", "last_refresh is a time; write 'last_refresh within 24h'"),
        ("tables must have tags = 'pii'", "tags is a list; write 'tags in (...)'"),
        ("tables must have row_count matches 'x'", "'matches' needs text"),
        ("tables must have name matches '(?<=a)b'", "is not a valid regular expression"),
        ("tables must have name matches '(unclosed'", "is not a valid regular expression"),
        ("products must have sla_freshness < 99 years", "expected 'and', 'or' or the end of the rule, got 'years'"),
        ("lakehouses tagged 'pii' must have name is set", "lakehouses have no attribute 'tags'"),
        ("gold products must have name is set", "products have no layer"),
        ("", "is empty"),
        ("tables must have name is set and " * 200, "a rule may have at most 4096"),
    ],
)
def test_bad_rules_are_refused_when_written(text: str, message: str) -> None:
    assert message in rule_error(text)


def test_catastrophic_regex_is_harmless(now: datetime) -> None:
    rule = parse_policy_rule("columns must have name matches '^(a+)+$'")
    hostile = TableSubject("S", "lh", "t", columns=(ColumnSubject("a" * 100 + "!"),)).columns[0]
    finding = rule.check(hostile, now=now)
    assert finding is not None and "must match '^(a+)+$'" in finding.message


def test_a_naive_timestamp_is_an_error_finding_not_a_crash(now: datetime) -> None:
    naive = TableSubject("S", "lh", "gold_t", last_refresh=datetime(2025, 1, 1))  # naive on purpose
    snapshot = Subjects(tables=(naive, TableSubject("S", "lh", "gold_ok", last_refresh=now)))
    report = evaluate(
        [("fresh", parse_policy_rule("gold tables must have last_refresh within 24h"))], snapshot, now=now
    )
    assert [f.status for f in report.findings] == ["error"]
    assert "could not check table s/lh/gold_t" in report.findings[0].message
    counts = report.counts_of("fresh")
    assert (counts.checked, counts.compliant, counts.violating, counts.errors) == (2, 1, 0, 1)
