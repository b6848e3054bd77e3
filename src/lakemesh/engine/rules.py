"""The quality rule language: SQL conditions over one row, plus a few dataset-level forms.

Row rules are written as users already write them (`customer_id is not null`, `churn_risk between 0
and 1`, `last_updated within 25 hours`). Dataset rules are `row_count >= 1000`, `unique(col)` and
`freshness(col) < 24h`. Every rule is parsed once into a sqlglot AST with quoted column names; the
scan compiles those ASTs, never the rule text. See docs/quality-rules.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import pyarrow as pa
import sqlglot
from sqlglot import TokenType, exp
from sqlglot.errors import SqlglotError

from lakemesh.core.durations import parse_duration
from lakemesh.core.errors import ErrorItem, InvalidInput
from lakemesh.engine.functions import refuse
from lakemesh.engine.scalar import check_condition, columns_of, quote_columns

RuleKind = Literal["row", "dataset"]
RuleCheck = Literal["condition", "row_count", "unique", "freshness"]
Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
MAX_RULE_LENGTH = 4000
DIALECT = "duckdb"

_IDENT = r'(?P<column>[A-Za-z_][A-Za-z0-9_]*|"(?:[^"]|"")+")'
_WITHIN = re.compile(rf"^\s*{_IDENT}\s+within\s+(?P<duration>.+?)\s*$", re.IGNORECASE | re.DOTALL)
_UNIQUE = re.compile(rf"^\s*unique\s*\(\s*{_IDENT}\s*\)\s*$", re.IGNORECASE)
_FRESHNESS = re.compile(
    rf"^\s*freshness\s*\(\s*{_IDENT}\s*\)\s*(?P<op><=|<)\s*(?P<duration>.+?)\s*$", re.IGNORECASE | re.DOTALL
)
_FUNCTION_FORM = re.compile(r"^\s*(unique|freshness)\s*\(", re.IGNORECASE)
_ROW_COUNT_OPS: tuple[type[exp.Expr], ...] = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


@dataclass(frozen=True)
class Rule:
    """One parsed quality rule.

    `expression` is the row condition for row rules and the aggregate condition for dataset rules
    (`COUNT(*) >= 1000`). `CURRENT_TIMESTAMP` in it stands for the caller's clock at scan time.
    """

    name: str
    text: str
    kind: RuleKind
    check: RuleCheck
    columns: frozenset[str]
    expression: exp.Expr
    threshold: float = 1.0
    severity: Severity = "error"
    column: str | None = None
    max_age: timedelta | None = None

    @property
    def sql(self) -> str:
        return self.expression.sql(dialect=DIALECT)


def parse_rule(
    text: str,
    *,
    name: str | None = None,
    threshold: float | str = 1.0,
    severity: str = "error",
    loc: tuple[str | int, ...] = ("rule",),
) -> Rule:
    """Parse one rule; refuse anything outside the language with InvalidInput naming the construct."""
    if not isinstance(text, str) or not text.strip():
        raise refuse(loc, "a rule must be a non-empty condition such as `amount >= 0`")
    if len(text) > MAX_RULE_LENGTH:
        raise refuse(loc, f"a rule must be at most {MAX_RULE_LENGTH} characters")
    rule_name = (name or text).strip()
    rule_threshold = parse_threshold(threshold, loc=(*loc, "threshold"))
    rule_severity = _parse_severity(severity, loc=(*loc, "severity"))

    def build(
        kind: RuleKind,
        check: RuleCheck,
        expression: exp.Expr,
        column: str | None = None,
        max_age: timedelta | None = None,
    ) -> Rule:
        columns = frozenset({column}) if column else columns_of(expression)
        return Rule(
            name=rule_name,
            text=text.strip(),
            kind=kind,
            check=check,
            columns=columns,
            expression=expression,
            threshold=rule_threshold,
            severity=rule_severity,
            column=column,
            max_age=max_age,
        )

    if match := _UNIQUE.match(text):
        column = _column_name(match["column"])
        quoted = exp.column(column, quoted=True)
        distinct = exp.Count(this=exp.Distinct(expressions=[quoted.copy()]))
        return build("dataset", "unique", exp.EQ(this=distinct, expression=exp.Count(this=quoted)), column)
    if match := _FRESHNESS.match(text):
        column = _column_name(match["column"])
        max_age = _duration(match["duration"], loc)
        newest = exp.Max(this=exp.column(column, quoted=True))
        compare = exp.GT if match["op"] == "<" else exp.GTE
        return build("dataset", "freshness", compare(this=newest, expression=_cutoff(max_age)), column, max_age)
    if _FUNCTION_FORM.match(text):
        raise refuse(loc, "write unique(column) or freshness(column) < 24h with a single column name")
    if match := _WITHIN.match(text):
        column = _column_name(match["column"])
        max_age = _duration(match["duration"], loc)
        return build(
            "row",
            "condition",
            exp.GTE(this=exp.column(column, quoted=True), expression=_cutoff(max_age)),
            column,
            max_age,
        )
    condition = _parse_condition(text, loc)
    if (row_count := _row_count(condition, loc)) is not None:
        return build("dataset", "row_count", row_count)
    check_condition(condition, loc)
    return build("row", "condition", quote_columns(condition))


def validate_rule_columns(
    rule: Rule, available: Mapping[str, pa.DataType], *, loc: tuple[str | int, ...] = ("rule",)
) -> list[ErrorItem]:
    """Problems with the columns a rule references against a table's schema (names match case-insensitively)."""
    by_name = {name.lower(): data_type for name, data_type in available.items()}
    errors: list[ErrorItem] = []
    for column in sorted(rule.columns):
        data_type = by_name.get(column.lower())
        if data_type is None:
            known = ", ".join(sorted(available)) or "no columns"
            errors.append(
                ErrorItem(
                    loc, f"unknown column {column!r} in rule {rule.name!r}; the table has {known}", {"column": column}
                )
            )
        elif rule.max_age is not None and not (pa.types.is_timestamp(data_type) or pa.types.is_date(data_type)):
            errors.append(
                ErrorItem(
                    loc,
                    f"column {column!r} is {data_type}; rule {rule.name!r} needs a timestamp or date column",
                    {"column": column},
                )
            )
    return errors


def parse_threshold(value: float | str, *, loc: tuple[str | int, ...] = ("threshold",)) -> float:
    """A pass-rate threshold as a fraction: accepts 0.95, 95 and "95%" (values above 1 are percentages)."""
    text = str(value).strip()
    percent = text.endswith("%")
    try:
        number = float(text.rstrip("%").strip())
    except ValueError as exc:
        raise refuse(loc, f"{value!r} is not a threshold; write 0.95 or 95%") from exc
    if percent or number > 1:
        number /= 100
    if not 0 <= number <= 1:
        raise refuse(loc, f"{value!r} is not a threshold between 0 and 100%")
    return number


def _parse_condition(text: str, loc: tuple[str | int, ...]) -> exp.Expr:
    try:
        tokens = sqlglot.tokenize(text, read=DIALECT)
        if any(token.token_type == TokenType.SEMICOLON for token in tokens):
            raise refuse(loc, "';' is not allowed: a rule is one condition, not statements")
        statements = sqlglot.parse(text, read=DIALECT)
    except SqlglotError as exc:
        raise refuse(loc, f"not a valid condition: {_first_line(str(exc))}") from exc
    except RecursionError as exc:
        raise refuse(loc, "the rule is nested too deeply") from exc
    found = [s for s in statements if s is not None]
    if len(found) != 1:
        raise refuse(loc, "a rule must be exactly one condition")
    condition = found[0]
    if isinstance(condition, exp.DDL | exp.DML | exp.Drop | exp.Alter | exp.Command):
        raise refuse(loc, f"{type(condition).__name__.upper()} is not allowed: a rule is a condition")
    if isinstance(condition, exp.Query):
        raise refuse(loc, "a SELECT is not allowed: a rule is a condition, not a query")
    return condition


def _row_count(condition: exp.Expr, loc: tuple[str | int, ...]) -> exp.Expr | None:
    """`row_count <op> N` (or BETWEEN) becomes the aggregate condition `COUNT(*) <op> N`."""
    left = condition.this if isinstance(condition, (*_ROW_COUNT_OPS, exp.Between)) else None
    if not (isinstance(left, exp.Column) and not left.table and left.name.lower() == "row_count"):
        return None
    bounds = [condition.args.get(k) for k in ("expression", "low", "high") if condition.args.get(k) is not None]
    if not all(isinstance(b, exp.Literal) and not b.is_string and b.is_int for b in bounds):
        raise refuse(loc, "row_count can only be compared with whole numbers, e.g. row_count >= 1000")
    counted = condition.copy()
    counted.set("this", exp.Count(this=exp.Star()))
    return counted


def _cutoff(max_age: timedelta) -> exp.Expr:
    micros = round(max_age.total_seconds() * 1_000_000)
    interval = exp.Interval(this=exp.Literal.string(str(micros)), unit=exp.Var(this="MICROSECOND"))
    return exp.Sub(this=exp.CurrentTimestamp(), expression=interval)


def _duration(text: str, loc: tuple[str | int, ...]) -> timedelta:
    try:
        value = parse_duration(text)
    except InvalidInput as exc:
        raise refuse(loc, f"{text!r} is not a duration; write it like 24h, 25 hours or 15m") from exc
    if value <= timedelta(0):
        raise refuse(loc, f"{text!r} must be a positive duration")
    return value


def _column_name(token: str) -> str:
    return token[1:-1].replace('""', '"') if token.startswith('"') else token


def _parse_severity(value: str, *, loc: tuple[str | int, ...]) -> Severity:
    for severity in SEVERITIES:
        if value == severity:
            return severity
    raise refuse(loc, f"{value!r} is not a severity; use one of {', '.join(SEVERITIES)}")


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "parse error"
