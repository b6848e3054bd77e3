"""Policies written in CEL: compiled once, bounded, and failing per subject without crashing an evaluation."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from lakemesh.core.errors import InvalidInput
from lakemesh.governance.cel import MAX_CEL_LENGTH, CelRule
from lakemesh.governance.rules import evaluate, parse_policy_rule
from lakemesh.governance.subjects import ColumnSubject, Subjects, TableSubject


def cel_error(text: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        parse_policy_rule(text, language="cel")
    assert caught.value.errors[0].loc == ("rule",)
    return caught.value.errors[0].message


def test_cel_rule_is_about_the_kind_its_root_variable_names(catalog: Subjects, now: datetime) -> None:
    rule = parse_policy_rule('cel: table.layer == "gold" && table.row_count > 0')
    assert isinstance(rule, CelRule) and rule.subject_kind == "table" and rule.language == "cel"
    report = evaluate([("gold-has-rows", rule)], catalog, now=now)
    counts = report.counts_of("gold-has-rows")
    # gold_campaigns has no row_count: comparing null with 0 is a CEL error, reported, not raised
    assert (counts.checked, counts.compliant, counts.violating, counts.errors) == (5, 2, 2, 1)
    error = next(f for f in report.findings if f.status == "error")
    assert error.subject_id == "table:marketing/scratch_lakehouse/gold_campaigns"
    finding = next(f for f in report.findings if f.subject_id.endswith("silver_events"))
    assert finding.message == (
        'table marketing/scratch_lakehouse/silver_events does not satisfy table.layer == "gold" && table.row_count > 0'
    )


def test_cel_null_checks_on_columns(catalog: Subjects, now: datetime) -> None:
    rule = parse_policy_rule("column.sensitivity_label != null", language="cel")
    report = evaluate([("labelled", rule)], catalog, now=now)
    assert {f.subject_id.rsplit("/", 1)[-1] for f in report.findings} == {"email", "lead_id", "customer_id"}


def test_cel_sees_now_times_durations_and_lists(now: datetime) -> None:
    rule = parse_policy_rule(
        'cel: now - table.last_refresh < duration("24h") && table.tags.exists(t, t == "pii") && '
        'table.column_names.all(c, c.matches("^[a-z_]+$"))'
    )
    good = TableSubject(
        "S", "lh", "t", last_refresh=now - timedelta(hours=1), tags=("pii",), columns=(ColumnSubject("a"),)
    )
    assert rule.check(good, now=now) is None
    stale = TableSubject("S", "lh", "t", last_refresh=now - timedelta(days=2), tags=("pii",))
    finding = rule.check(stale, now=now)
    assert finding is not None and finding.status == "violation"


def test_cel_runtime_failure_is_an_error_finding(now: datetime) -> None:
    rule = parse_policy_rule('cel: now - table.last_refresh < duration("24h")')
    never = TableSubject("S", "lh", "never_refreshed")
    finding = rule.check(never, now=now)
    assert finding is not None and finding.status == "error"
    assert finding.message.startswith("could not evaluate on table s/lh/never_refreshed: ")


def test_cel_result_must_be_a_boolean(now: datetime) -> None:
    finding = parse_policy_rule("cel: table.row_count").check(TableSubject("S", "lh", "t", row_count=3), now=now)
    assert finding is not None and finding.status == "error" and "must produce true or false" in finding.message


def test_cel_whole_subject_access_still_works(now: datetime) -> None:
    rule = parse_policy_rule('cel: table["name"].startsWith("gold_")')
    assert rule.check(TableSubject("S", "lh", "gold_t"), now=now) is None
    assert rule.check(TableSubject("S", "lh", "bronze_t"), now=now) is not None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("table.nope == 1", "tables have no attribute 'nope'; known attributes:"),
        ("column.owner != null", "columns have no attribute 'owner'"),
        ("x.layer == 1", "unknown variable 'x'"),
        ("table.layer == column.name", "must be about exactly one kind of subject"),
        ("1 == 1", "must be about exactly one kind of subject"),
        ("table.layer == (", "line 1, column 16: syntax error"),
        ("", "is empty"),
    ],
)
def test_bad_cel_is_refused_when_written(text: str, message: str) -> None:
    assert message in cel_error(text)


def test_huge_cel_expression_is_refused() -> None:
    huge = " || ".join(f'table.name == "t{i}"' for i in range(400))
    assert len(huge) > MAX_CEL_LENGTH
    assert f"at most {MAX_CEL_LENGTH}" in cel_error(huge)


def test_deeply_nested_cel_is_refused() -> None:
    assert "nested too deeply" in cel_error("(" * 300 + "table.row_count > 0" + ")" * 300)


def test_nested_comprehensions_are_refused() -> None:
    looping = "[1,2,3,4,5,6,7,8,9].all(a, [1,2,3,4,5,6,7,8,9].all(b, [1,2,3].exists(c, table.row_count > a*b*c)))"
    assert "may not be nested" in cel_error(looping)


def test_too_many_comprehensions_are_refused() -> None:
    many = " && ".join(f'table.tags.exists(t{i}, t{i} == "x")' for i in range(9))
    assert "at most 8" in cel_error(many)
