"""Predicate hints for partition pruning. Hints are hints: a file is skipped only when its partition values
prove no row can match; anything not understood keeps the file (the client filters again)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lakemesh.core.documents import load_bounded_json

MAX_HINT_DEPTH = 32
_SQL_HINT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=|<>|!=|<=|>=|<|>)\s*('(?:[^']*)'|-?\d+(?:\.\d+)?)\s*$")


def parse_json_hints(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    tree = load_bounded_json(text, "jsonPredicateHints", MAX_HINT_DEPTH * 2 + 2)  # each level is an object + list
    return tree if isinstance(tree, dict) else None


def keep_file(partition: Mapping[str, str | None], json_hint: dict[str, Any] | None, sql_hints: list[str]) -> bool:
    """False only when a hint is certainly false for every row of a file with these partition values."""
    lowered = {k.lower(): v for k, v in partition.items()}
    if json_hint is not None and _eval(json_hint, lowered, 0) is False:
        return False
    return all(_sql(hint, lowered) is not False for hint in sql_hints)


def _sql(hint: str, partition: Mapping[str, str | None]) -> bool | None:
    match = _SQL_HINT.match(hint)
    if not match:
        return None
    column, op, literal = match.groups()
    if column.lower() not in partition:
        return None
    value = literal[1:-1] if literal.startswith("'") else literal
    kind = "string" if literal.startswith("'") else "double"
    ops = {"=": "equal", "<": "lessThan", "<=": "lessThanOrEqual", ">": "greaterThan", ">=": "greaterThanOrEqual"}
    if op in ("<>", "!="):
        result = _compare("equal", partition[column.lower()], value, kind)
        return None if result is None else not result
    return _compare(ops[op], partition[column.lower()], value, kind)


def _eval(node: Any, partition: Mapping[str, str | None], depth: int) -> bool | None:
    if not isinstance(node, dict) or depth > MAX_HINT_DEPTH:
        return None
    op = node.get("op")
    children = node.get("children") or []
    if op == "and":
        results = [_eval(c, partition, depth + 1) for c in children]
        return False if any(r is False for r in results) else (True if all(r is True for r in results) else None)
    if op == "or":
        results = [_eval(c, partition, depth + 1) for c in children]
        return True if any(r is True for r in results) else (False if all(r is False for r in results) else None)
    if op == "not" and len(children) == 1:
        result = _eval(children[0], partition, depth + 1)
        return None if result is None else not result
    if op == "isNull" and len(children) == 1:
        column = _column(children[0], partition)
        return None if column is None else partition[column] is None
    if op in ("equal", "lessThan", "lessThanOrEqual", "greaterThan", "greaterThanOrEqual") and len(children) == 2:
        column = _column(children[0], partition)
        literal = children[1] if isinstance(children[1], dict) and children[1].get("op") == "literal" else None
        if column is None or literal is None:
            return None
        return _compare(op, partition[column], str(literal.get("value")), str(literal.get("valueType", "string")))
    return None


def _column(node: Any, partition: Mapping[str, str | None]) -> str | None:
    if isinstance(node, dict) and node.get("op") == "column":
        name = str(node.get("name", "")).lower()
        return name if name in partition else None
    return None


def _compare(op: str, value: str | None, literal: str, kind: str) -> bool | None:
    if value is None:
        return False  # SQL comparisons with null are never true
    left: Any
    right: Any
    if kind in ("int", "long", "float", "double"):
        try:
            left, right = float(value), float(literal)
        except ValueError:
            return None
    else:
        left, right = value, literal  # strings, dates (ISO) and booleans compare as text
    results: dict[str, bool] = {
        "equal": left == right,
        "lessThan": left < right,
        "lessThanOrEqual": left <= right,
        "greaterThan": left > right,
        "greaterThanOrEqual": left >= right,
    }
    return results[op]
