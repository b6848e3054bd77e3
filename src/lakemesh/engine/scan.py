"""Fused quality scans: every rule of a product evaluated in one aggregate query over its table.

One pass over the data returns the row count and, per rule, the figures needed to judge it, so a
scan costs one table read however many rules there are. When samples are asked for, a second pass
reads only failing rows, of all failed rules at once, and stops once it has enough (the first pass
gave each rule's share of the failures); a rule it leaves short (rare failures, `unique`) gets its
own bounded query. NULL semantics and the empty-table behaviour are documented in docs/quality-rules.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlglot import exp

from lakemesh.core.clock import as_utc
from lakemesh.core.errors import ErrorItem, InvalidInput, NotFound
from lakemesh.engine.rules import Rule, RuleCheck, RuleKind, Severity, validate_rule_columns
from lakemesh.engine.session import EngineSession

DIALECT = "duckdb"
RULE_INDEX_COLUMN = "lakemesh_rule_index"
FAILS_COLUMN = "lakemesh_fails_"
# The failing-rows pass reads at most this many times `sample_limit` rows per rule before falling back to per-rule
# queries (a rule whose failures are rare among the others').
FAILING_ROWS_FACTOR = 10
Observed = int | float | datetime | date | None


@dataclass(frozen=True)
class CompiledQuery:
    """SQL the engine built itself from ASTs; runnable by EngineSession.execute."""

    sql: str
    parameters: tuple[object, ...] = ()


@dataclass(frozen=True)
class ScanPlan:
    """The one aggregate query of a scan; column `r<i>_<figure>` holds rule i's figures."""

    sql: str
    relation: str
    rules: tuple[Rule, ...]
    now: datetime
    sample_limit: int = 0
    parameters: tuple[object, ...] = ()


@dataclass(frozen=True)
class RuleResult:
    name: str
    kind: RuleKind
    check: RuleCheck
    severity: Severity
    passed_rows: int
    failed_rows: int
    pass_rate: float
    threshold: float
    passed: bool
    observed: Observed = None
    samples: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class ScanResult:
    relation: str
    total_rows: int
    rules: list[RuleResult]
    score: float
    weighted_score: float
    checked_at: datetime


def compile_scan(rules: Sequence[Rule], relation: str, *, now: datetime, sample_limit: int = 0) -> ScanPlan:
    """Build the single aggregate query that evaluates every rule over `relation` at time `now`."""
    if sample_limit < 0:
        raise InvalidInput("sample_limit must not be negative", errors=[ErrorItem(("sample_limit",), "negative")])
    now = as_utc(now)
    projections: list[exp.Expr] = [exp.alias_(exp.Count(this=exp.Star()), "total_rows", quoted=True)]
    for index, rule in enumerate(rules):
        for figure, expression in _figures(rule, now).items():
            projections.append(exp.alias_(expression, f"r{index}_{figure}", quoted=True))
    query = exp.select(*projections).from_(_table(relation))
    return ScanPlan(
        sql=query.sql(dialect=DIALECT), relation=relation, rules=tuple(rules), now=now, sample_limit=sample_limit
    )


def compile_samples(plan: ScanPlan, failed: Sequence[int]) -> CompiledQuery | None:
    """One query returning up to `sample_limit` offending rows for each failed rule index."""
    parts: list[exp.Query] = []
    for index in failed:
        rule = plan.rules[index]
        select = exp.select(exp.alias_(exp.Literal.number(index), RULE_INDEX_COLUMN, quoted=True), exp.Star())
        select = select.from_(_table(plan.relation))
        if rule.check in ("condition", "reference"):
            select = select.where(_fails(_at(rule.expression, plan.now)))
        elif rule.check == "unique" and rule.column is not None:
            column = exp.column(rule.column, quoted=True)
            repeated = exp.Window(this=exp.Count(this=exp.Star()), partition_by=[column.copy()])
            select = select.where(exp.Not(this=exp.Is(this=column, expression=exp.Null())))
            select = select.qualify(exp.GT(this=repeated, expression=exp.Literal.number(1)))
        else:
            continue
        parts.append(exp.select("*").from_(select.limit(plan.sample_limit).subquery(f"s{index}")))
    if not parts or plan.sample_limit == 0:
        return None
    query = parts[0]
    for part in parts[1:]:
        query = exp.union(query, part, distinct=False)
    return CompiledQuery(sql=query.sql(dialect=DIALECT))


def run_scan(
    session: EngineSession, relation: str, rules: Sequence[Rule], *, now: datetime, sample_limit: int = 0
) -> ScanResult:
    """Evaluate `rules` over a registered relation in one pass; fetch samples for failed rules if asked."""
    if relation not in session.relations:
        raise NotFound(f"relation {relation!r} is not registered in this engine session")
    available = {f.name: f.type for f in session.schema(relation)}
    errors = [
        error for i, rule in enumerate(rules) for error in validate_rule_columns(rule, available, loc=("rules", i))
    ]
    if errors:
        raise InvalidInput("some quality rules do not match the table's columns", errors=errors)
    plan = compile_scan(rules, relation, now=now, sample_limit=sample_limit)
    row = session.execute(plan).to_pylist()[0]
    total = int(row["total_rows"])
    results = [_result(rule, index, row, total) for index, rule in enumerate(plan.rules)]
    if sample_limit > 0:
        _attach_samples(session, plan, results)
    return ScanResult(
        relation=relation,
        total_rows=total,
        rules=results,
        score=_score(results),
        weighted_score=_weighted_score(results),
        checked_at=plan.now,
    )


@dataclass(frozen=True)
class FailingRows:
    """The query of the failing-rows pass: at most `limit` rows, column `lakemesh_fails_<i>` flagging rule i."""

    query: CompiledQuery
    rules: tuple[int, ...]
    limit: int


def compile_failing_rows(plan: ScanPlan, results: Sequence[RuleResult]) -> FailingRows | None:
    """One query for the failing rows of every failed row rule at once, with a flag column per rule, stopping after
    enough rows that each rule is likely to have `sample_limit` of them (its share of the failures is known)."""
    indexes = [
        i
        for i, (rule, result) in enumerate(zip(plan.rules, results, strict=True))
        if not result.passed and result.failed_rows > 0 and rule.check in ("condition", "reference")
    ]
    if not indexes or plan.sample_limit == 0:
        return None
    failures = [results[i].failed_rows for i in indexes]
    wanted = plan.sample_limit * -(-sum(failures) // min(failures))
    limit = min(wanted, plan.sample_limit * len(indexes) * FAILING_ROWS_FACTOR, sum(failures))
    fails = {i: _fails(_at(plan.rules[i].expression, plan.now)) for i in indexes}
    flags = [exp.alias_(condition.copy(), f"{FAILS_COLUMN}{i}", quoted=True) for i, condition in fails.items()]
    query = exp.select(*flags, exp.Star()).from_(_table(plan.relation)).where(exp.or_(*fails.values()))
    return FailingRows(CompiledQuery(sql=query.limit(limit).sql(dialect=DIALECT)), tuple(indexes), limit)


def _attach_samples(session: EngineSession, plan: ScanPlan, results: list[RuleResult]) -> None:
    """Up to `sample_limit` failing rows per failed rule: one pass over the failing rows of all row rules, then one
    bounded query for the rules it left short (rare failures, `unique`)."""
    limit = plan.sample_limit
    covered: set[int] = set()
    first = compile_failing_rows(plan, results)
    if first is not None:
        indexes = first.rules
        rows = session.execute(first.query).to_pylist()
        for row in rows:
            flagged = [i for i in indexes if row.pop(f"{FAILS_COLUMN}{i}")]
            for index in flagged:
                if len(results[index].samples) < limit:
                    results[index].samples.append(dict(row))
        complete = len(rows) < first.limit  # every failing row was read
        covered = {i for i in indexes if complete or len(results[i].samples) >= min(limit, results[i].failed_rows)}
    rest = [i for i, result in enumerate(results) if not result.passed and i not in covered]
    for index in rest:
        results[index].samples.clear()
    samples = compile_samples(plan, rest)
    if samples is not None:
        by_rule: dict[int, list[dict[str, Any]]] = {}
        for sample in session.execute(samples).to_pylist():
            by_rule.setdefault(int(sample.pop(RULE_INDEX_COLUMN)), []).append(sample)
        for index, found in by_rule.items():
            results[index].samples.extend(found[:limit])


def _figures(rule: Rule, now: datetime) -> dict[str, exp.Expr]:
    expression = _at(rule.expression, now)
    if rule.check in ("condition", "reference"):
        return {"failed": exp.Filter(this=exp.Count(this=exp.Star()), expression=exp.Where(this=_fails(expression)))}
    if rule.check == "unique" and rule.column is not None:
        column = exp.column(rule.column, quoted=True)
        distinct = exp.Count(this=exp.Distinct(expressions=[column.copy()]))
        non_null = exp.Count(this=column)
        return {"non_null": non_null, "duplicates": exp.Sub(this=non_null.copy(), expression=distinct)}
    passed = exp.Coalesce(this=expression, expressions=[exp.false()])
    if rule.check == "freshness" and rule.column is not None:
        return {"passed": passed, "newest": exp.Max(this=exp.column(rule.column, quoted=True))}
    return {"passed": passed}


def _result(rule: Rule, index: int, row: dict[str, Any], total: int) -> RuleResult:
    prefix = f"r{index}_"
    observed: Observed = None
    if rule.check in ("condition", "reference"):
        failed = int(row[f"{prefix}failed"])
        evaluated = total
    elif rule.check == "unique":
        failed = int(row[f"{prefix}duplicates"])
        evaluated = int(row[f"{prefix}non_null"])
        observed = failed
    else:
        # row_count and freshness are one fact about the table, not a count of rows.
        ok = bool(row[f"{prefix}passed"])
        observed = total if rule.check == "row_count" else row[f"{prefix}newest"]
        rate = 1.0 if ok else 0.0
        return RuleResult(rule.name, rule.kind, rule.check, rule.severity, 0, 0, rate, rule.threshold, ok, observed)
    rate = (evaluated - failed) / evaluated if evaluated else 1.0
    passed = failed == 0 or rate >= rule.threshold
    return RuleResult(
        rule.name,
        rule.kind,
        rule.check,
        rule.severity,
        evaluated - failed,
        failed,
        rate,
        rule.threshold,
        passed,
        observed,
    )


def _score(results: Sequence[RuleResult]) -> float:
    """Percentage of rules that passed, as the seed's quality score (100 when there are no rules)."""
    if not results:
        return 100.0
    return round(100 * sum(r.passed for r in results) / len(results), 1)


def _weighted_score(results: Sequence[RuleResult]) -> float:
    """Percentage of evaluated rows that passed, over the rules that count rows; the score if none did."""
    evaluated = sum(r.passed_rows + r.failed_rows for r in results)
    if evaluated == 0:
        return _score(results)
    return round(100 * sum(r.passed_rows for r in results) / evaluated, 2)


def _fails(condition: exp.Expr) -> exp.Expr:
    """`(cond) IS NOT TRUE`: a row fails when its condition is false or NULL."""
    return exp.Not(this=exp.Is(this=exp.Paren(this=condition.copy()), expression=exp.true()))


def _at(expression: exp.Expr, now: datetime) -> exp.Expr:
    """Replace the clock in a rule with the caller's `now`, so scans are reproducible."""

    def pin(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.CurrentTimestamp):
            return exp.cast(exp.Literal.string(now.isoformat()), exp.DataType.Type.TIMESTAMPTZ)
        if isinstance(node, exp.CurrentDate):
            return exp.cast(exp.Literal.string(now.date().isoformat()), exp.DataType.Type.DATE)
        return node

    return expression.copy().transform(pin)


def _table(relation: str) -> exp.Table:
    return exp.Table(this=exp.to_identifier(relation, quoted=True))
