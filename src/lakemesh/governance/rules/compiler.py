"""Sentence rules (`gold tables must have last_refresh within 24h`) compiled from the parse tree into closures."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal

from lark import Token, Tree

from lakemesh.core.durations import parse_duration
from lakemesh.core.errors import InvalidInput
from lakemesh.core.names import slugify
from lakemesh.governance.rules import predicates as p
from lakemesh.governance.rules.evaluator import CompiledRule, Finding
from lakemesh.governance.rules.grammar import parse_sentence, rule_error
from lakemesh.governance.subjects import LAYERS, Subject, SubjectKind, attribute_types

_NOUNS: dict[str, SubjectKind] = {
    "table": "table",
    "column": "column",
    "product": "product",
    "lakehouse": "lakehouse",
    "domain": "domain",
}
_ESCAPE = re.compile(r"\\(.)")
_RUNTIME_ERRORS = (TypeError, ValueError, ArithmeticError, AttributeError)


class NoRule(CompiledRule):
    """A policy stored without a rule (Purview's policy store sends none): it selects and checks nothing."""

    language: Literal["sentence", "cel"] = "sentence"

    def __init__(self) -> None:
        self.text = ""
        self.subject_kind = "domain"  # never used: no subject is selected

    def applies_to(self, subject: Subject, *, now: datetime | None = None) -> bool:
        return False

    def judge(self, subject: Subject, *, now: datetime, policy: str = "") -> Finding | None:
        return None


class SentenceRule(CompiledRule):
    """A rule in the Lakemesh sentence language; `must not have P` is broken by subjects where P holds."""

    language: Literal["sentence", "cel"] = "sentence"

    def __init__(
        self, text: str, kind: SubjectKind, filters: Sequence[p.Predicate], predicate: p.Predicate, *, negated: bool
    ) -> None:
        self.text = text
        self.subject_kind = kind
        self.filters = tuple(filters)
        self.predicate = predicate
        self.negated = negated
        self._has_filters = bool(self.filters)
        self._select = p.both([f.test for f in self.filters]) if self.filters else predicate.test

    def check(self, subject: Subject, *, now: datetime, policy: str = "") -> Finding | None:
        try:
            selected = self.applies_to(subject, now=now)
        except _RUNTIME_ERRORS as error:
            return self._error(subject, policy, error)
        return self.judge(subject, now=now, policy=policy) if selected else None

    def applies_to(self, subject: Subject, *, now: datetime | None = None) -> bool:
        if subject.kind != self.subject_kind:
            return False
        return not self._has_filters or self._select(subject, now or datetime.now(UTC))

    def judge(self, subject: Subject, *, now: datetime, policy: str = "") -> Finding | None:
        try:
            if self.predicate.test(subject, now) != self.negated:
                return None
        except _RUNTIME_ERRORS as error:
            return self._error(subject, policy, error)
        return self._violation(subject, now, policy)

    def check_all(self, subjects: Sequence[Subject], *, now: datetime, policy: str) -> tuple[int, list[Finding]]:
        # The hot loop of an evaluation: closures only, no per-subject dispatch or re-parsing.
        select, test, negated, filtered = self._select, self.predicate.test, self.negated, self._has_filters
        checked = 0
        findings: list[Finding] = []
        for subject in subjects:
            try:
                if filtered and not select(subject, now):
                    continue
                checked += 1
            except _RUNTIME_ERRORS as error:  # a `where` that cannot be decided is reported, not skipped
                checked += 1
                findings.append(self._error(subject, policy, error))
                continue
            try:
                if test(subject, now) != negated:
                    continue
            except _RUNTIME_ERRORS as error:
                findings.append(self._error(subject, policy, error))
                continue
            findings.append(self._violation(subject, now, policy))
        return checked, findings

    def _error(self, subject: Subject, policy: str, error: Exception) -> Finding:
        message = f"could not check {subject.describe()}: {error}"
        return Finding(policy, subject.subject_id, subject.kind, "error", message)

    def _violation(self, subject: Subject, now: datetime, policy: str) -> Finding:
        try:
            message = self._message(subject, now)
        except _RUNTIME_ERRORS as error:
            return self._error(subject, policy, error)
        return Finding(policy, subject.subject_id, subject.kind, "violation", message)

    def _message(self, subject: Subject, now: datetime) -> str:
        if self.negated:
            values = self.predicate.values(subject, now)
            return f"{subject.describe()} has {values}; must not have {self.predicate.text}"
        return f"{subject.describe()} {self.predicate.explain(subject, now)}"


def compile_sentence(text: str) -> SentenceRule:
    """Parse and compile a sentence rule; unknown attributes and type mismatches fail here, not per subject."""
    tree = parse_sentence(text)
    subject, _must, negation, _have, body = tree.children
    assert isinstance(subject, Tree) and isinstance(negation, Tree) and isinstance(body, Tree)
    kind, filters = _subject(subject)
    return SentenceRule(" ".join(text.split()), kind, filters, _predicate(kind, body), negated=bool(negation.children))


def _subject(tree: Tree[Token]) -> tuple[SubjectKind, list[p.Predicate]]:
    layers = [str(_token(t.children[0])).lower() for t in tree.children if isinstance(t, Tree) and t.data == "layer"]
    noun = next(t for t in tree.children if isinstance(t, Tree) and t.data == "noun")
    kind = _NOUNS[str(_token(noun.children[0])).lower().rstrip("s")]
    filters: list[p.Predicate] = []
    if layers:
        if "layer" not in attribute_types(kind):
            raise rule_error(f"{kind}s have no layer; only tables and columns can be {'/'.join(LAYERS)}")
        filters.append(_layer_filter(frozenset(layers)))
    for qualifier in tree.children:
        if isinstance(qualifier, Tree) and qualifier.data not in ("layer", "noun"):
            filters.append(_qualifier(kind, qualifier))
    return kind, filters


def _layer_filter(layers: frozenset[str]) -> p.Predicate:
    def test(s: Subject, _now: datetime) -> bool:
        return getattr(s, "layer", None) in layers

    return p.Predicate(" or ".join(sorted(layers)), test, "leaf", ("layer",), "")


def _qualifier(kind: SubjectKind, tree: Tree[Token]) -> p.Predicate:
    if tree.data == "where":
        return _predicate(kind, _tree(tree.children[1]))
    values = [_string(t) for t in _strings(tree)]
    if tree.data == "containing":
        pattern = "|".join(re.escape(v) for v in values)
        search = re.compile(pattern, re.IGNORECASE).search
        # A column contains e-mail when its name says so or an accepted classification does (`contact`).
        return p.Predicate(
            f"containing {values}",
            lambda s, _n: search(s.name) is not None or any(search(c) for c in getattr(s, "classifications", ())),
            "leaf",
            ("name",),
        )
    if tree.data == "classified":
        p.attribute_type(kind, "classifications")  # only columns carry classifications
        kinds = frozenset(v.casefold() for v in values)
        return p.Predicate(
            f"classified as {values}",
            lambda s, _n: any(c.casefold() in kinds for c in getattr(s, "classifications", ())),
            "leaf",
            ("classifications",),
        )
    if tree.data == "named":
        names = frozenset(v.casefold() for v in values)
        return p.Predicate(f"named {values}", lambda s, _n: s.name.casefold() in names, "leaf", ("name",))
    if tree.data == "linked_to_term":
        p.attribute_type(kind, "terms")  # only columns are linked to glossary terms
        terms = frozenset(v.casefold() for v in values)
        return p.Predicate(
            f"linked to term {values}",
            lambda s, _n: any(t.casefold() in terms for t in getattr(s, "terms", ())),
            "leaf",
            ("terms",),
        )
    if tree.data == "in_domain":
        wanted = slugify(values[0])
        return p.Predicate(f"in domain {values[0]}", lambda s, _n: slugify(s.domain) == wanted, "leaf", ("domain",))
    p.attribute_type(kind, "tags")  # columns, tables, products and domains have tags; lakehouses do not
    tags = frozenset(v.casefold() for v in values)
    return p.Predicate(
        f"tagged {values}",
        lambda s, _n: any(t.casefold() in tags for t in getattr(s, "tags", ())),
        "leaf",
        ("tags",),
    )


def _strings(tree: Tree[Token]) -> list[Token]:
    found: list[Token] = []
    for child in tree.children:
        if isinstance(child, Tree):
            found.extend(_token(c) for c in child.children)
        elif child.type == "STRING":
            found.append(child)
    return found


def _predicate(kind: SubjectKind, tree: Tree[Token]) -> p.Predicate:
    parts = [c for c in tree.children if isinstance(c, Tree)]
    if tree.data == "or_expr":
        return p.any_of([_predicate(kind, c) for c in parts])
    if tree.data == "and_expr":
        return p.all_of([_predicate(kind, c) for c in parts])
    if tree.data == "not_expr":
        return p.negate(_predicate(kind, parts[0]))
    attr = str(_token(parts[0].children[0])).lower()
    tokens = [c for c in tree.children if isinstance(c, Token)]
    if tree.data == "compare":
        return p.compare(kind, attr, str(tokens[0]), _literal(parts[1]))
    if tree.data in ("in_list", "not_in_list"):
        literals = [_literal(_tree(c)) for c in parts[1].children]
        return p.in_list(kind, attr, literals, negated=tree.data == "not_in_list")
    if tree.data == "within":
        return p.within(kind, attr, _duration(tokens[-1]), " ".join(str(tokens[-1]).split()))
    if tree.data in ("is_set", "is_not_set"):
        return p.is_set(kind, attr, negated=tree.data == "is_not_set")
    if tree.data == "matches":
        return p.matches(kind, attr, _string(tokens[-1]), str(tokens[-1]))
    raise rule_error(f"unsupported condition {tree.data!r}")  # pragma: no cover - grammar and compiler agree


def _literal(tree: Tree[Token]) -> p.RuleValue:
    token = _token(tree.children[0])
    source = str(token)
    if token.type == "STRING":
        return p.RuleValue(_string(token), source)
    if token.type == "DURATION":
        return p.RuleValue(_duration(token), " ".join(source.split()))
    if token.type in ("TRUE", "FALSE"):
        return p.RuleValue(token.type == "TRUE", source.lower())
    number = float(source) if "." in source else int(source)
    return p.RuleValue(number, source)


def _string(token: Token) -> str:
    return _ESCAPE.sub(r"\1", str(token)[1:-1])


def _duration(token: Token) -> timedelta:
    try:
        return parse_duration(str(token), "rule")
    except InvalidInput as error:
        raise rule_error(error.errors[0].message) from None


def _token(node: Tree[Token] | Token) -> Token:
    assert isinstance(node, Token)
    return node


def _tree(node: Tree[Token] | Token) -> Tree[Token]:
    assert isinstance(node, Tree)
    return node


def parse_policy_rule(text: str, *, language: Literal["sentence", "cel"] | None = None) -> CompiledRule:
    """Compile a policy rule once; `cel:` in front (or language="cel") selects CEL, otherwise a sentence rule."""
    # Imported here because governance.cel builds on this package's evaluator: a top-level import would be a cycle.
    from lakemesh.governance.cel import CelRule

    stripped = text.strip()
    prefixed = stripped[:4].lower() == "cel:"
    if language == "cel" or (language is None and prefixed):
        return CelRule(stripped[4:] if prefixed else stripped)  # stored rules keep the prefix they were written with
    return compile_sentence(text)


def compile_policy(text: str, *, language: Literal["sentence", "cel"] | None = None) -> CompiledRule:
    """A policy's rule; a policy written without one (and not declared CEL) gets `NoRule`, never an invented one."""
    if not text.strip() and language is None:
        return NoRule()
    return parse_policy_rule(text, language=language)
