"""Fused quality scans: exact counts, NULL semantics, dataset rules, thresholds, one pass."""

from __future__ import annotations

from datetime import datetime, timedelta

import pyarrow as pa
import pytest
import sqlglot
from sqlglot import exp

from lakemesh.core.errors import InvalidInput, NotFound
from lakemesh.engine.gate import GatedQuery
from lakemesh.engine.rules import parse_rule
from lakemesh.engine.scan import ScanResult, compile_scan, run_scan
from lakemesh.engine.session import EngineSession
from tests.unit.engine.conftest import NOW

SEED_RULES = [
    "customer_id is not null",
    "lifetime_value >= 0",
    "churn_risk between 0 and 1",
    "last_updated within 25 hours",
]


def scan(session: EngineSession, table: pa.Table, texts: list[str], now: datetime, **kwargs: int) -> ScanResult:
    session.register("t_customers", table)
    return run_scan(session, "t_customers", [parse_rule(t) for t in texts], now=now, **kwargs)


def test_seed_rules_count_exact_violations(session: EngineSession, customers: pa.Table, now: datetime) -> None:
    result = scan(session, customers, SEED_RULES, now)
    assert result.total_rows == 8
    failed = {r.name: r.failed_rows for r in result.rules}
    # NULLs fail: 1 null id; 2 negative + 1 null value; 2 out of range + 1 null; 2 stale + 1 null.
    assert failed == {
        "customer_id is not null": 1,
        "lifetime_value >= 0": 3,
        "churn_risk between 0 and 1": 3,
        "last_updated within 25 hours": 3,
    }
    first = result.rules[0]
    assert (first.passed_rows, first.pass_rate, first.passed) == (7, 7 / 8, False)
    assert result.score == 0.0
    assert result.weighted_score == round(100 * (7 + 5 + 5 + 5) / 32, 2)
    assert result.checked_at == now


def test_rules_that_handle_nulls_themselves_decide_for_nulls(
    session: EngineSession, customers: pa.Table, now: datetime
) -> None:
    result = scan(
        session,
        customers,
        ["lifetime_value is null or lifetime_value >= 0", "customer_id is null", "coalesce(churn_risk, 0) <= 1"],
        now,
    )
    assert [r.failed_rows for r in result.rules] == [2, 7, 1]


def test_a_rule_at_the_boundary_of_within(session: EngineSession, now: datetime) -> None:
    table = pa.table({"ts": pa.array([now - timedelta(hours=25), now - timedelta(hours=25, seconds=1)])})
    result = scan(session, table, ["ts within 25 hours"], now)
    assert result.rules[0].failed_rows == 1


def test_naive_timestamps_are_read_as_utc(session: EngineSession, now: datetime) -> None:
    naive = now.replace(tzinfo=None)
    table = pa.table({"ts": pa.array([naive - timedelta(hours=1), naive - timedelta(hours=2)], pa.timestamp("us"))})
    result = scan(session, table, ["ts within 90m", "freshness(ts) < 61m"], now)
    assert [r.passed for r in result.rules] == [False, True]
    assert result.rules[0].failed_rows == 1


def test_dataset_rules(session: EngineSession, customers: pa.Table, now: datetime) -> None:
    result = scan(
        session,
        customers,
        ["row_count >= 8", "row_count > 8", "unique(customer_id)", "unique(email)", "freshness(last_updated) < 2h"],
        now,
    )
    by_name = {r.name: r for r in result.rules}
    assert by_name["row_count >= 8"].passed and by_name["row_count >= 8"].observed == 8
    assert not by_name["row_count > 8"].passed
    duplicates = by_name["unique(customer_id)"]
    assert (duplicates.passed, duplicates.observed, duplicates.failed_rows, duplicates.passed_rows) == (False, 1, 1, 6)
    assert by_name["unique(email)"].passed  # the one NULL email is not a duplicate
    fresh = by_name["freshness(last_updated) < 2h"]
    assert fresh.passed and fresh.observed == now - timedelta(hours=1)
    assert not scan(session, customers, ["freshness(last_updated) < 1h"], now).rules[0].passed


def test_threshold_lets_a_rule_pass_with_some_failures(session: EngineSession, now: datetime) -> None:
    table = pa.table({"v": [-1] * 3 + [1] * 97})
    lenient = parse_rule("v >= 0", name="lenient", threshold=0.95)
    strict = parse_rule("v >= 0", name="strict")
    session.register("t", table)
    result = run_scan(session, "t", [lenient, strict], now=now)
    assert [(r.name, r.failed_rows, r.passed) for r in result.rules] == [("lenient", 3, True), ("strict", 3, False)]
    assert result.rules[0].pass_rate == pytest.approx(0.97)
    assert result.score == 50.0


def test_empty_table(session: EngineSession, customers: pa.Table, now: datetime) -> None:
    empty = customers.slice(0, 0)
    result = scan(
        session, empty, [*SEED_RULES, "unique(customer_id)", "row_count >= 1", "freshness(last_updated) < 24h"], now
    )
    assert result.total_rows == 0
    assert [r.passed for r in result.rules] == [True] * 5 + [False, False]
    assert all(r.pass_rate == 1.0 for r in result.rules[:5])
    assert result.score == round(100 * 5 / 7, 1)


def test_no_rules_scores_100(session: EngineSession, customers: pa.Table, now: datetime) -> None:
    result = scan(session, customers, [], now)
    assert (result.total_rows, result.score, result.weighted_score, result.rules) == (8, 100.0, 100.0, [])


def test_samples_are_fetched_for_failed_rules_only_and_capped(
    session: EngineSession, customers: pa.Table, now: datetime
) -> None:
    result = scan(
        session, customers, ["lifetime_value >= 0", "segment is not null", "unique(customer_id)"], now, sample_limit=2
    )
    ltv, segment, unique = result.rules
    assert len(ltv.samples) == 2
    assert all(s["lifetime_value"] is None or s["lifetime_value"] < 0 for s in ltv.samples)
    assert segment.passed and segment.samples == []
    assert [s["customer_id"] for s in unique.samples] == ["c4", "c4"]
    assert no_samples(session, now)


def no_samples(session: EngineSession, now: datetime) -> bool:
    result = run_scan(session, "t_customers", [parse_rule("lifetime_value >= 0")], now=now)
    return result.rules[0].samples == []


def test_the_scan_is_one_select_reading_the_relation_once(customers: pa.Table, now: datetime) -> None:
    rules = [
        parse_rule(t) for t in [*SEED_RULES, "row_count >= 1", "unique(customer_id)", "freshness(last_updated) < 1d"]
    ]
    plan = compile_scan(rules, "t_customers", now=now)
    statements = sqlglot.parse(plan.sql, read="duckdb")
    assert len(statements) == 1
    assert isinstance(statements[0], exp.Select)
    assert [t.name for t in statements[0].find_all(exp.Table)] == ["t_customers"]
    assert not list(statements[0].find_all(exp.Subquery))


def test_the_scan_uses_the_callers_clock_not_duckdbs(customers: pa.Table, now: datetime) -> None:
    plan = compile_scan([parse_rule("last_updated within 1h"), parse_rule("order_date <= current_date")], "t", now=now)
    assert "CURRENT_TIMESTAMP" not in plan.sql and "CURRENT_DATE" not in plan.sql
    assert now.isoformat() in plan.sql and "2025-06-01" in plan.sql


def test_column_names_are_quoted_identifiers(session: EngineSession, now: datetime) -> None:
    table = pa.table({"select": [1, None], "Weird Name": [1, 2]})
    result = scan(session, table, ['"select" is not null', '"Weird Name" > 1'], now)
    assert [r.failed_rows for r in result.rules] == [1, 1]


def test_masked_relation_is_scanned_through_its_view(
    session: EngineSession, customers: pa.Table, now: datetime
) -> None:
    session.register("t_masked", customers, columns={"customer_id": "customer_id", "email": "'***'"})
    result = run_scan(session, "t_masked", [parse_rule("email like '%@%'")], now=now, sample_limit=1)
    assert result.rules[0].failed_rows == 8
    assert result.rules[0].samples[0]["email"] == "***"


def test_unknown_columns_are_refused_before_scanning(
    session: EngineSession, customers: pa.Table, now: datetime
) -> None:
    with pytest.raises(InvalidInput) as caught:
        scan(session, customers, ["customer_id is not null", "custmer_id is not null"], now)
    assert [e.loc for e in caught.value.errors] == [("rules", 1)]
    assert "custmer_id" in caught.value.errors[0].message


def test_a_rule_that_does_not_fit_the_data_type_is_invalid_input(
    session: EngineSession, customers: pa.Table, now: datetime
) -> None:
    with pytest.raises(InvalidInput):
        scan(session, customers, ["segment > 5"], now)


def test_unregistered_relation_is_not_found(session: EngineSession, now: datetime) -> None:
    with pytest.raises(NotFound):
        run_scan(session, "nowhere", [parse_rule("x > 0")], now=now)


def test_negative_sample_limit_is_refused(now: datetime) -> None:
    with pytest.raises(InvalidInput):
        compile_scan([], "t", now=now, sample_limit=-1)


def test_plan_is_executable_as_a_statement(session: EngineSession, customers: pa.Table, now: datetime) -> None:
    session.register("t_customers", customers)
    plan = compile_scan([parse_rule("customer_id is not null")], "t_customers", now=now)
    row = session.execute(plan).to_pylist()[0]
    assert row == {"total_rows": 8, "r0_failed": 1}
    assert session.execute(GatedQuery(sql=plan.sql, tables=("t_customers",))).num_rows == 1


def test_samples_of_every_failed_rule_even_when_one_rule_fails_far_more_often(session: EngineSession) -> None:
    """The failing-rows pass stops early; a rule with rare failures among many others' still gets all of its own."""
    n = 5000
    table = pa.table(
        {
            "id": pa.array(range(n)),
            "often": pa.array([i % 2 for i in range(n)]),  # half the rows fail `often = 0`
            "rare": pa.array([-1 if i in (4321, 4998) else 1 for i in range(n)]),
        }
    )
    session.register("t_skewed", table)
    rules = [parse_rule("often = 0"), parse_rule("rare > 0"), parse_rule("id >= 0")]
    often, rare, passing = run_scan(session, "t_skewed", rules, now=NOW, sample_limit=3).rules
    assert (often.failed_rows, rare.failed_rows) == (2500, 2)
    assert len(often.samples) == 3 and all(s["often"] == 1 for s in often.samples)
    assert sorted(s["id"] for s in rare.samples) == [4321, 4998]
    assert set(rare.samples[0]) == {"id", "often", "rare"}  # the pass's own flag columns are not in a sample
    assert passing.samples == []


def test_a_row_failing_two_rules_is_a_sample_of_both(session: EngineSession) -> None:
    session.register("t_two", pa.table({"a": [1, -1, 2], "b": [1, -1, 3]}))
    first, second = run_scan(
        session, "t_two", [parse_rule("a > 0"), parse_rule("b > 0")], now=NOW, sample_limit=5
    ).rules
    assert first.samples == second.samples == [{"a": -1, "b": -1}]
