"""Conditions compiled once into Python closures, each able to say what is wrong with a subject's actual value.

Text is compared case-insensitively, like every name in Lakemesh. Regular expressions run on RE2, so a
hostile pattern cannot backtrack for ever.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache, reduce
from typing import Any, Literal

import re2  # type: ignore[import-untyped]

from lakemesh.core.durations import format_duration
from lakemesh.governance.rules.grammar import rule_error
from lakemesh.governance.subjects import AttrType, Subject, SubjectKind, attribute_types

Check = Callable[[Subject, datetime], bool]
Value = str | int | float | bool | timedelta

_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_ORDERED = (AttrType.NUMBER, AttrType.DURATION, AttrType.TEXT)


@dataclass(frozen=True)
class RuleValue:
    """A value written in a rule, with its source text kept for messages."""

    value: Value
    source: str

    @property
    def type(self) -> AttrType:
        if isinstance(self.value, bool):
            return AttrType.BOOL
        if isinstance(self.value, timedelta):
            return AttrType.DURATION
        return AttrType.TEXT if isinstance(self.value, str) else AttrType.NUMBER

    def folded(self) -> Value:
        return self.value.casefold() if isinstance(self.value, str) else self.value


@dataclass(frozen=True)
class Predicate:
    """A compiled condition: `test` runs per subject; `explain` is only called for subjects that fail."""

    text: str
    test: Check
    op: Literal["leaf", "and", "or", "not"]
    attrs: tuple[str, ...]
    must: str = ""
    children: tuple[Predicate, ...] = ()

    def explain(self, subject: Subject, now: datetime) -> str:
        """Why `subject` does not satisfy this predicate, naming the actual values."""
        if self.op == "leaf":
            value = getattr(subject, self.attrs[0])
            if value is None:  # "has no sensitivity_label", never "has sensitivity_label None"
                return f"has no {self.attrs[0]}; {self.must}"
            return f"has {self.attrs[0]} {show(value, now)}; {self.must}"
        if self.op == "and":
            failing = [c for c in self.children if not c.test(subject, now)]
            return ", and ".join(c.explain(subject, now) for c in failing)
        return f"has {self.values(subject, now)}; must have {self.text}"

    def values(self, subject: Subject, now: datetime) -> str:
        return ", ".join(f"{a} {show(getattr(subject, a), now)}" for a in self.attrs)


def show(value: object, now: datetime) -> str:
    """A value as a user reads it in a finding."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.isoformat()
        return f"{value.isoformat()} ({format_duration(_round_age(now - value))} ago)"
    if isinstance(value, tuple | list):
        return "(" + ", ".join(show(v, now) for v in value) + ")"
    return str(value)


def _round_age(age: timedelta) -> timedelta:
    return timedelta(minutes=int(age.total_seconds() // 60))


def attribute_type(kind: SubjectKind, attr: str) -> AttrType:
    """The attribute's type, or an error listing the attributes this kind of subject has."""
    types = attribute_types(kind)
    if attr not in types:
        known = ", ".join(sorted(types))
        raise rule_error(f"{kind}s have no attribute {attr!r}; known attributes: {known}")
    return types[attr]


def _getter(attr: str) -> Callable[[Subject], Any]:
    return operator.attrgetter(attr)


def compare(kind: SubjectKind, attr: str, op: str, literal: RuleValue) -> Predicate:
    attr_type = attribute_type(kind, attr)
    _require_type(kind, attr, attr_type, literal)
    if attr_type not in _ORDERED and op not in ("=", "!="):
        raise rule_error(f"{attr} is {attr_type.value}; compare it with = or !=, not {op}")
    get, fn, expected = _getter(attr), _OPERATORS[op], literal.folded()
    text = f"{attr} {op} {literal.source}"
    if attr_type is AttrType.TEXT:

        def test(s: Subject, _now: datetime) -> bool:
            v = get(s)
            return v is not None and fn(v.casefold(), expected)
    else:

        def test(s: Subject, _now: datetime) -> bool:
            v = get(s)
            return v is not None and fn(v, expected)

    must = {"=": f"must be {literal.source}", "!=": f"must not be {literal.source}"}.get(
        op, f"must be {op} {literal.source}"
    )
    return Predicate(text, test, "leaf", (attr,), must)


def in_list(kind: SubjectKind, attr: str, literals: list[RuleValue], *, negated: bool) -> Predicate:
    attr_type = attribute_type(kind, attr)
    item_type = AttrType.TEXT if attr_type is AttrType.TEXT_LIST else attr_type
    for literal in literals:
        _require_type(kind, attr, item_type, literal)
    allowed = frozenset(lit.folded() for lit in literals)
    get = _getter(attr)
    listed = "(" + ", ".join(lit.source for lit in literals) + ")"
    if attr_type is AttrType.TEXT_LIST:

        def hit(s: Subject) -> bool:
            return any(v.casefold() in allowed for v in get(s))
    elif attr_type is AttrType.TEXT:

        def hit(s: Subject) -> bool:
            v = get(s)
            return v is not None and v.casefold() in allowed
    else:

        def hit(s: Subject) -> bool:
            v = get(s)
            return v is not None and v in allowed

    if negated:
        must = f"must not be in {listed}"
        return Predicate(f"{attr} not in {listed}", lambda s, _n: not hit(s), "leaf", (attr,), must)
    return Predicate(f"{attr} in {listed}", lambda s, _n: hit(s), "leaf", (attr,), f"must be in {listed}")


def within(kind: SubjectKind, attr: str, duration: timedelta, source: str) -> Predicate:
    """A time no older than `duration`; never refreshed (None) is a violation."""
    attr_type = attribute_type(kind, attr)
    if attr_type is not AttrType.TIME:
        raise rule_error(f"{attr} is {attr_type.value}; 'within' needs a time such as last_refresh")
    get = _getter(attr)

    def test(s: Subject, now: datetime) -> bool:
        v = get(s)
        return v is not None and now - v <= duration

    return Predicate(f"{attr} within {source}", test, "leaf", (attr,), f"must be within {source}")


def is_set(kind: SubjectKind, attr: str, *, negated: bool) -> Predicate:
    """Set means present and not blank; a list is set when it has at least one item."""
    attr_type = attribute_type(kind, attr)
    get = _getter(attr)
    if attr_type is AttrType.TEXT:

        def present(s: Subject) -> bool:
            v = get(s)
            return v is not None and bool(v.strip())
    elif attr_type is AttrType.TEXT_LIST:

        def present(s: Subject) -> bool:
            return bool(get(s))
    else:

        def present(s: Subject) -> bool:
            return get(s) is not None

    if negated:
        return Predicate(f"{attr} is not set", lambda s, _n: not present(s), "leaf", (attr,), "must not be set")
    return Predicate(f"{attr} is set", lambda s, _n: present(s), "leaf", (attr,), "must be set")


def matches(kind: SubjectKind, attr: str, pattern: str, source: str) -> Predicate:
    """RE2 search; a list matches when any item does."""
    attr_type = attribute_type(kind, attr)
    if attr_type not in (AttrType.TEXT, AttrType.TEXT_LIST):
        raise rule_error(f"{attr} is {attr_type.value}; 'matches' needs text")
    search = compile_regex(pattern).search

    # RE2's Python wrapper costs microseconds per call and names repeat a lot across tables.
    @lru_cache(maxsize=8192)
    def found(value: str) -> bool:
        return search(value) is not None

    get = _getter(attr)
    if attr_type is AttrType.TEXT_LIST:

        def test(s: Subject, _now: datetime) -> bool:
            return any(found(v) for v in get(s))
    else:

        def test(s: Subject, _now: datetime) -> bool:
            v = get(s)
            return v is not None and found(v)

    return Predicate(f"{attr} matches {source}", test, "leaf", (attr,), f"must match {source}")


def compile_regex(pattern: str, *, ignore_case: bool = False) -> Any:
    """RE2 runs in linear time, so a user's pattern cannot hang the evaluator."""
    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = not ignore_case
    try:
        return re2.compile(pattern, options=options)
    except re2.error as error:
        reason = error.args[0].decode() if error.args and isinstance(error.args[0], bytes) else str(error)
        raise rule_error(f"{pattern!r} is not a valid regular expression: {reason}") from None


def all_of(parts: list[Predicate]) -> Predicate:
    return Predicate(
        " and ".join(_wrap(p, "and") for p in parts),
        both([p.test for p in parts]),
        "and",
        _attrs(parts),
        children=tuple(parts),
    )


def any_of(parts: list[Predicate]) -> Predicate:
    return Predicate(
        "(" + " or ".join(p.text for p in parts) + ")",
        reduce(_or2, [p.test for p in parts]),
        "or",
        _attrs(parts),
        children=tuple(parts),
    )


def both(tests: list[Check]) -> Check:
    """Tests chained with `and`, without a generator per subject."""
    return reduce(_and2, tests)


def _and2(first: Check, second: Check) -> Check:
    return lambda s, now: first(s, now) and second(s, now)


def _or2(first: Check, second: Check) -> Check:
    return lambda s, now: first(s, now) or second(s, now)


def negate(part: Predicate) -> Predicate:
    inner = part.test
    return Predicate(f"not {_wrap(part, 'not')}", lambda s, now: not inner(s, now), "not", part.attrs, children=(part,))


def _wrap(part: Predicate, context: str) -> str:
    if part.op in ("leaf", "or") or (part.op == "not" and context == "and"):
        return part.text
    return f"({part.text})"


def _attrs(parts: list[Predicate]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(a for p in parts for a in p.attrs))


def _require_type(kind: SubjectKind, attr: str, attr_type: AttrType, literal: RuleValue) -> None:
    if attr_type is AttrType.TEXT_LIST:
        raise rule_error(f"{attr} is a list; write '{attr} in (...)', '{attr} is set' or '{attr} matches ...'")
    if attr_type is AttrType.TIME:
        raise rule_error(f"{attr} is a time; write '{attr} within 24h' or '{attr} is set'")
    if literal.type is not attr_type:
        raise rule_error(f"{attr} of {kind}s is {attr_type.value}, but {literal.source} is {literal.type.value}")
