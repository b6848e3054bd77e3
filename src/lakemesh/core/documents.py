"""Parsing documents a caller sends (JSON, YAML) without letting their shape crash the server.

Python's parsers recurse once per nesting level: a document nested a few thousand levels deep raises
RecursionError, which no route expects (a 500, and the connection reset with it). These loaders refuse such
documents up front with a 4xx that names the field.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from lakemesh.core.errors import ErrorItem, InvalidInput, invalid

MAX_DEPTH = 64  # far deeper than any document Lakemesh takes; far shallower than Python's recursion limit


def nesting_depth(text: str) -> int:
    """The deepest `[`/`{` nesting of a JSON text (or YAML flow collections), ignoring brackets inside strings."""
    depth = deepest = 0
    quote: str | None = None
    escaped = False
    for char in text:
        if quote is not None:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def load_bounded_json(text: str | bytes, field: str, max_depth: int = MAX_DEPTH) -> Any:
    """`json.loads`, refusing (422) text that is not JSON or nests deeper than `max_depth`."""
    try:
        decoded = text.decode("utf-8") if isinstance(text, bytes) else text
    except UnicodeDecodeError as exc:
        raise invalid(field, "is not UTF-8 text") from exc
    if nesting_depth(decoded.replace("'", "")) > max_depth:  # JSON has no single-quoted strings
        raise invalid(field, f"nests deeper than {max_depth} levels")
    try:
        return json.loads(decoded)
    except (ValueError, RecursionError) as exc:
        raise invalid(field, "is not valid JSON") from exc


def load_bounded_yaml(text: str, field: str, loader: type[yaml.SafeLoader] = yaml.SafeLoader) -> Any:
    """`yaml.load` with a SafeLoader, turning parser errors and runaway nesting into a 422 on `field`."""
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - always a SafeLoader (sub)class
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "not valid YAML"
        raise InvalidInput(f"The {field} is not valid JSON or YAML", errors=[ErrorItem((field,), first)]) from None
    except RecursionError:
        raise invalid(field, "nests too deeply") from None
