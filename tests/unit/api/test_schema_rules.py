"""The document's patterns say exactly what the server's own checks accept: the same strings pass both."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lakemesh.api import schema_rules
from lakemesh.core.durations import parse_duration
from lakemesh.core.errors import InvalidInput
from lakemesh.core.names import (
    IDENTIFIER_PATTERN,
    TABLE_NAME_PATTERN,
    looks_like_email,
    name_pattern,
    validate_identifier,
    validate_name,
    validate_table_name,
)
from lakemesh.lineage.nodes import NodeIndex

NEAR = st.text(max_size=16) | st.from_regex(r"[_a-zA-Z0-9. /@\n\x00-]{0,8}", fullmatch=True)


def _accepts(check: Callable[[str], Any], text: str) -> bool:
    if "\x00" in text:  # every request refuses NUL before a validator sees it (api/strict.py)
        return False
    try:
        result = check(text)
    except InvalidInput:
        return False
    return result is not False


def _node(text: str) -> str:
    return NodeIndex.parse(None, text)  # type: ignore[arg-type]  # parse reads no state


RULES: list[tuple[str, str, Callable[[str], Any]]] = [
    ("name", name_pattern(), validate_name),
    ("identifier", IDENTIFIER_PATTERN, validate_identifier),
    ("table name", TABLE_NAME_PATTERN, validate_table_name),
    ("email", schema_rules.EMAIL["pattern"], looks_like_email),
    ("duration", schema_rules._duration()["pattern"], lambda t: parse_duration(t) if t else None),
    ("node", schema_rules._node()["pattern"], _node),
]


@pytest.mark.parametrize(("kind", "pattern", "check"), RULES, ids=[r[0] for r in RULES])
@settings(max_examples=100, suppress_health_check=list(HealthCheck), deadline=None, database=None)
@given(text=NEAR)
@example(text="a\x00@b")  # the email pattern once let NUL through, which every request refuses
def test_a_string_matches_the_pattern_exactly_when_the_server_accepts_it(
    kind: str, pattern: str, check: Callable[[str], Any], text: str
) -> None:
    if kind == "duration" and re.search(pattern, text):
        try:  # the 100-year bound is declared beyond the schema; the shape is what the pattern states
            parse_duration(text) if text else None
        except InvalidInput as error:
            assert "100 years" in error.detail
            return
    assert bool(re.search(pattern, text)) == _accepts(check, text), (kind, text)


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("Customer 360", True),
        ("Île-de-France", True),
        ("  sales  ", True),
        ("a..b", False),
        ("a/b", False),
        ("\u202eevil", False),
        ("___", False),
        ("", False),
        ("orders\n", True),
    ],
)
def test_names_users_write_and_hostile_ones(text: str, accepted: bool) -> None:
    assert bool(re.search(name_pattern(), text)) is accepted is _accepts(validate_name, text)


def test_an_identifier_with_a_trailing_newline_is_refused() -> None:
    """`re.match` with `$` let `orders\\n` through as a table or lakehouse name."""
    with pytest.raises(InvalidInput):
        validate_identifier("orders\n")
    assert not re.search(IDENTIFIER_PATTERN, "orders\n")


def test_every_name_a_request_creates_has_a_pattern(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    missing = []
    for name, schema in schemas.items():
        if not name.endswith(("Create", "Spec", "Document", "Request", "Add")):
            continue
        prop = schema.get("properties", {}).get("name")
        if prop is None:
            continue
        branches = prop.get("anyOf") or [prop]
        if not any("pattern" in b or "allOf" in b for b in branches):
            missing.append(name)
    assert missing == []


def test_fields_checked_beyond_the_schema_are_listed_where_they_are_checked(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    query = doc["paths"]["/api/v1/query"]["post"]
    assert set(query["x-lakemesh-checked-beyond-schema"]) == {"sql"}
    assert "`sql`" in query["responses"]["422"]["description"]
    domains = doc["paths"]["/api/v1/domains"]["get"]
    assert set(domains["x-lakemesh-checked-beyond-schema"]) == {"cursor"}
    assert doc["paths"]["/api/v1/domains"]["post"].get("x-lakemesh-checked-beyond-schema") is None


def test_every_declared_operation_exists(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    operations = {f"{m.upper()} {p}" for p, ops in doc["paths"].items() for m in ops}
    assert set(schema_rules.BEYOND_SCHEMA) - operations == set()
    inline = {
        c["schema"].get("title")
        for ops in doc["paths"].values()
        for op in ops.values()
        for c in op.get("requestBody", {}).get("content", {}).values()
    }
    assert {s for s, _ in schema_rules.PROPERTIES} - set(doc["components"]["schemas"]) - inline == set()


def test_integer_bounds_are_integers(client: TestClient) -> None:
    """9223372036854775999 passed a float bound of 9.223372036854776e18 and the server refused it."""
    doc = client.get("/openapi.json").json()
    version = doc["components"]["schemas"]["ShortcutCreate"]["properties"]["version"]["anyOf"][0]
    assert version["maximum"] == 2**63 - 1 and isinstance(version["maximum"], int)
