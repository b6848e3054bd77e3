"""Custom classifiers: a regex under RE2 plus an optional validator and name hints; hostile patterns."""

from __future__ import annotations

import pytest

from lakemesh.classification.classifiers import classify_column
from lakemesh.classification.custom import ClassifierSpec, build
from lakemesh.core.errors import InvalidInput


def test_a_custom_classifier_finds_its_values_and_the_validator_drops_lookalikes() -> None:
    spec = ClassifierSpec(name="member_card", pattern=r"\d{16}", validator="luhn", name_hints=["member"])
    classifier = build(spec)
    good = ["4539578763621486", "4485275742308327", "4716461583322103"] * 10
    bad = ["4539578763621487"] * 30  # same shape, wrong check digit
    assert classify_column("member_ref", good, [classifier])[0].classification == "member_card"
    assert classify_column("member_ref", bad, [classifier]) == []


def test_a_catastrophic_pattern_runs_under_re2_and_returns() -> None:
    classifier = build(ClassifierSpec(name="evil", pattern=r"(a+)+$"))
    values = ["a" * 5000 + "!"] * 50  # exponential for a backtracking engine
    assert classify_column("x", values, [classifier]) == []


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?=a)a", r"(?<!b)a", "x" * 501])
def test_patterns_re2_cannot_run_are_refused(pattern: str) -> None:
    with pytest.raises(InvalidInput, match="pattern"):
        build(ClassifierSpec(name="bad", pattern=pattern))


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "email", "pattern": "x"},
        {"name": "Bad Name", "pattern": "x"},
        {"name": "ok", "pattern": "x", "validator": "eval"},
    ],
)
def test_bad_specs_are_refused(fields: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        ClassifierSpec.model_validate(fields)
