"""The quality rule language: SQL conditions over one row, plus a few dataset-level forms.

Row rules are written as users already write them (`customer_id is not null`, `churn_risk between 0
and 1`, `last_updated within 25 hours`). Dataset rules are `row_count >= 1000`, `unique(col)` and
`freshness(col) < 24h`. Every rule is parsed once into a sqlglot AST with quoted column names; the
scan compiles those ASTs, never the rule text. See docs/quality-rules.md.
"""

from __future__ import annotations

import hashlib
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
RuleCheck = Literal["condition", "row_count", "unique", "freshness", "reference"]
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
_PART = r'(?:[A-Za-z0-9_][A-Za-z0-9_-]*|"(?:[^"]|"")+")'
_REFERENCES = re.compile(
    rf"^\s*{_IDENT}\s+references\s+(?P<table>{_PART}\.{_PART}\.{_PART})\s*\(\s*(?P<target>"
    rf'[A-Za-z_][A-Za-z0-9_]*|"(?:[^"]|"")+")\s*\)\s*$',
    re.IGNORECASE,
)
REFERENCE_PREFIX = "quality_reference_"
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
    reference: Reference | None = None

    @property
    def sql(self) -> str:
        return self.expression.sql(dialect=DIALECT)


@dataclass(frozen=True)
class Reference:
    """The column a `references` rule checks values against: read by the caller of the scan, through governance,
    and registered as `relation` (one column, `column`)."""

    domain: str
    lakehouse: str
    table: str
    column: str

    @property
    def relation(self) -> str:
        digest = hashlib.sha256(f"{self.domain}.{self.lakehouse}.{self.table}.{self.column}".encode()).hexdigest()
        return f"{REFERENCE_PREFIX}{digest[:16]}"

    @property
    def qualified(self) -> str:
        return f"{self.domain}.{self.lakehouse}.{self.table}"


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
        reference: Reference | None = None,
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
            reference=reference,
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
    if match := _REFERENCES.match(text):
        column = _column_name(match["column"])
        parts = [_column_name(part) for part in re.findall(_PART, match["table"])]
        reference = Reference(parts[0].lower(), parts[1].lower(), parts[2].lower(), _column_name(match["target"]))
        return build("dataset", "reference", _exists_in(column, reference), column, reference=reference)
    if _FUNCTION_FORM.match(text):
        raise refuse(loc, "write unique(column) or freshness(column) < 24h with a single column name")
    leading = _WITHIN_INSIDE.match(text.strip())
    composed = leading is not None and leading.end() < len(text.strip())
    if not composed and (match := _WITHIN.match(text)):
        column = _column_name(match["column"])
        max_age = _duration(match["duration"], loc)
        return build(
            "row",
            "condition",
            exp.GTE(this=exp.column(column, quoted=True), expression=_cutoff(max_age)),
            column,
            max_age,
        )
    sql_text, windows = _mark_within(text, loc)
    condition = _parse_condition(sql_text, loc, shown=text)
    if (row_count := _row_count(condition, loc)) is not None:
        return build("dataset", "row_count", row_count)
    check_condition(condition, loc)
    return build("row", "condition", _expand_within(quote_columns(condition), windows))


def _exists_in(column: str, reference: Reference) -> exp.Expr:
    """`col IS NULL OR col IN (SELECT ref FROM <reference relation>)`: nulls pass, as in dbt and SQL foreign keys."""
    quoted = exp.column(column, quoted=True)
    values = exp.select(exp.column(reference.column, quoted=True)).from_(
        exp.Table(this=exp.to_identifier(reference.relation, quoted=True))
    )
    found = exp.In(this=quoted.copy(), query=exp.Subquery(this=values))
    return exp.Or(this=exp.Is(this=quoted, expression=exp.Null()), expression=found)


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


_WITHIN_INSIDE = re.compile(
    rf"{_IDENT}\s+within\s+(?P<duration>\d+(?:\.\d+)?\s*[A-Za-z]+)(?![A-Za-z0-9_])", re.IGNORECASE
)
_WITHIN_MARK = "lakemesh:within:"


def _original_column(text: str, marked: str, column: int) -> int:
    """Map a column of the marked text back onto the rule as written (both are one line here)."""
    if text == marked:
        return column
    shift = 0
    for position, match in enumerate(_WITHIN_INSIDE.finditer(text)):
        start = match.start() + shift
        replaced = len(f"{match['column']} = ''") + len(_WITHIN_MARK) + len(str(position))
        if column <= start:
            break
        if column <= start + replaced:
            return match.end()
        shift += replaced - (match.end() - match.start())
    return column - shift


def _mark_within(text: str, loc: tuple[str | int, ...]) -> tuple[str, list[timedelta]]:
    """`col within 90d` anywhere in a condition becomes a marked comparison SQL can parse, expanded afterwards.

    The mark is a string literal compared with the column, so the condition passes the same checks as any other.
    """
    windows: list[timedelta] = []

    def mark(match: re.Match[str]) -> str:
        windows.append(_duration(match["duration"], loc))
        return f"{match['column']} = '{_WITHIN_MARK}{len(windows) - 1}'"

    return _WITHIN_INSIDE.sub(mark, text), windows


def _expand_within(condition: exp.Expr, windows: list[timedelta]) -> exp.Expr:
    if not windows:
        return condition

    def expand(node: exp.Expr) -> exp.Expr:
        right = node.args.get("expression") if isinstance(node, exp.EQ) else None
        if isinstance(right, exp.Literal) and right.is_string and right.this.startswith(_WITHIN_MARK):
            window = windows[int(right.this.removeprefix(_WITHIN_MARK))]
            return exp.GTE(this=node.this.copy(), expression=_cutoff(window))
        return node

    return condition.transform(expand)


def _parse_condition(text: str, loc: tuple[str | int, ...], *, shown: str | None = None) -> exp.Expr:
    try:
        tokens = sqlglot.tokenize(text, read=DIALECT)
        if any(token.token_type == TokenType.SEMICOLON for token in tokens):
            raise refuse(loc, "';' is not allowed: a rule is one condition, not statements")
        statements = sqlglot.parse(text, read=DIALECT)
    except SqlglotError as exc:
        raise _parse_error(loc, shown if shown is not None else text, text, exc) from exc
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


_EXPECTED = {
    "Expecting )": "a ')' to close the '(' before it",
    "Expecting (": "a '(' after the function name",
    "Required keyword: 'expression' missing": "a value after the operator",
    "Required keyword: 'this' missing": "a value before the operator",
    "Invalid expression / Unexpected token": "a condition such as `amount >= 0` here",
}


def _parse_error(loc: tuple[str | int, ...], text: str, marked: str, exc: SqlglotError) -> InvalidInput:
    """`not a valid condition: expected …`, with the rule and a caret under the place it went wrong."""
    details = getattr(exc, "errors", None) or [{}]
    first = details[0]
    description = str(first.get("description") or _first_line(str(exc)))
    wanted = next((said for key, said in _EXPECTED.items() if description.startswith(key)), None)
    what = f"expected {wanted}" if wanted else description
    line, column = first.get("line"), first.get("col")
    if not isinstance(column, int) or not isinstance(line, int):
        return refuse(loc, f"not a valid condition: {what}")
    lines = text.splitlines() or [text]
    shown = lines[min(max(line, 1), len(lines)) - 1]
    if "\n" not in text:
        column = _original_column(text, marked, column)
    # sqlglot's column is where the offending token ends; point at the end of the rule when it ran out.
    column = min(max(column, 1), len(shown) + 1)
    pointer = f"{shown}\n{' ' * (column - 1)}^"
    message = f"not a valid condition: {what} (line {line}, column {column})"
    return InvalidInput(f"{message}\n{pointer}", errors=[ErrorItem(loc, message, {"pointer": pointer})])


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "parse error"
