"""Issue 28.6: `within` composes like any condition; parse errors say what was expected and point at it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from lakemesh.core.errors import InvalidInput
from lakemesh.engine import EngineSession, parse_rule, run_scan

NOW = datetime(2026, 1, 31, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "failing"),
    [
        ("paid or (issued_at within 90d)", ["old-unpaid"]),
        ("paid or issued_at within 90 days", ["old-unpaid"]),
        ("not (issued_at within 90d)", ["new-paid", "new-unpaid"]),
        ("issued_at within 90d and amount > 0", ["old-paid", "old-unpaid", "new-unpaid"]),
        ("(issued_at within 90d or paid) and (amount >= 0)", ["old-unpaid"]),
    ],
)
def test_within_composes_with_and_or_not_and_parentheses(text: str, failing: list[str]) -> None:
    rule = parse_rule(text)
    assert rule.kind == "row" and "issued_at" in rule.columns
    data = pa.table(
        {
            "id": ["old-paid", "old-unpaid", "new-paid", "new-unpaid"],
            "paid": [True, False, True, False],
            "issued_at": [NOW - timedelta(days=200), NOW - timedelta(days=200), NOW, NOW],
            "amount": [5, 5, 5, 0],
        }
    )
    with EngineSession() as session:
        session.register("invoices", data)
        result = run_scan(session, "invoices", [rule], now=NOW, sample_limit=10)
    assert sorted(s["id"] for s in result.rules[0].samples) == sorted(failing)


def test_a_plain_within_rule_keeps_its_column_and_window() -> None:
    rule = parse_rule("last_updated within 25 hours")
    assert (rule.column, rule.max_age) == ("last_updated", timedelta(hours=25))


@pytest.mark.parametrize(
    ("text", "expected", "caret"),
    [
        ("paid or (issued_at within 90d", "expected a ')' to close the '(' before it", 28),
        ("amount >= ", "expected a value after the operator", 8),
        ("paid or (x within 2d) )", "expected a condition such as `amount >= 0` here", 22),
    ],
)
def test_parse_errors_say_what_was_expected_with_the_rule_and_a_caret(text: str, expected: str, caret: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_rule(text, loc=("quality_rules", 0))
    (item,) = refused.value.errors
    assert item.loc == ("quality_rules", 0)
    assert item.message.startswith(f"not a valid condition: {expected}")
    assert "Expecting" not in refused.value.detail
    shown, pointer = item.extra["pointer"].split("\n")
    assert shown == text and pointer == " " * caret + "^"


def test_a_bad_duration_inside_a_condition_is_named() -> None:
    with pytest.raises(InvalidInput, match="must be a positive duration"):
        parse_rule("paid or issued_at within 0d")
