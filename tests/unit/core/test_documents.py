"""Bounded parsers: hostile shapes become InvalidInput on the named field, never RecursionError or OverflowError."""

from __future__ import annotations

import pytest

from lakemesh.core.documents import load_bounded_json, load_bounded_yaml, nesting_depth
from lakemesh.core.durations import parse_duration
from lakemesh.core.errors import InvalidInput
from lakemesh.core.names import validate_table_name


def test_json_nested_beyond_the_bound_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput, match="hints: nests deeper than 64 levels"):
        load_bounded_json("[" * 2000 + "]" * 2000, "hints")
    assert load_bounded_json('{"a": ["[[[[", {"b": 1}]}', "hints") == {"a": ["[[[[", {"b": 1}]}
    assert nesting_depth('{"x": "\\"[[[[", "y": [1]}') == 2
    with pytest.raises(InvalidInput):
        load_bounded_json(b"\xff", "hints")


def test_yaml_nested_thousands_deep_is_refused() -> None:
    with pytest.raises(InvalidInput, match="nests too deeply"):
        load_bounded_yaml("[" * 5000 + "]" * 5000, "body")
    assert load_bounded_yaml("a: [1, {b: 2}]", "body") == {"a": [1, {"b": 2}]}


@pytest.mark.parametrize("text", ["99999999d", "36526d", "999999999999999999999s", "5300w"])
def test_durations_are_capped_at_a_hundred_years(text: str) -> None:
    with pytest.raises(InvalidInput, match="expires_in"):
        parse_duration(text, "expires_in")
    assert parse_duration("36525d").days == 36525


@pytest.mark.parametrize("name", ["_delta_log", "_platform", "_x1"])
def test_table_names_starting_with_underscore_are_reserved(name: str) -> None:
    with pytest.raises(InvalidInput, match="reserved"):
        validate_table_name(name)
    assert validate_table_name("orders_2026") == "orders_2026"
