"""Names are case-preserving and matched case-insensitively through their slug (`Customer 360` → `customer-360`)."""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable
from functools import cache

from lakemesh.core.errors import invalid

MAX_NAME_LENGTH = 128
_NON_SLUG = re.compile(r"[^a-z0-9_]+")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# The same rules as JSON Schema `pattern`s for the OpenAPI document (with `maxLength` = MAX_NAME_LENGTH):
# an identifier has a letter or digit somewhere (`_` alone has no slug); a table name does not start with `_`.
IDENTIFIER_PATTERN = r"^(?:[A-Za-z]|_+[A-Za-z0-9])[A-Za-z0-9_]*(?![\s\S])"
TABLE_NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*(?![\s\S])"


def _is_control(ch: str) -> bool:
    """Unicode category C: controls, format characters, surrogates, private use, unassigned."""
    return unicodedata.category(ch).startswith("C")


def _slugs_to_something(ch: str) -> bool:
    """Whether the character keeps an ASCII letter or digit in its slug (`É` does: `e`)."""
    return any(c.isascii() and c.isalnum() for c in unicodedata.normalize("NFKD", ch))


MAX_EMAIL_LENGTH = 254
# `looks_like_email` as a JSON Schema pattern (with maxLength = MAX_EMAIL_LENGTH): one `@`-bearing token. NUL is
# excluded as in every other pattern: each request refuses it before a check runs (api/strict.py).
EMAIL_PATTERN = r"^\s*[^\s@\x00]*@[^\s\x00]*\s*(?![\s\S])"


def looks_like_email(value: str) -> bool:
    """A plausibility check (one `@`-bearing token, at most 254 characters as sent), not delivery validation."""
    text = value.strip()
    return "@" in text and len(value) <= MAX_EMAIL_LENGTH and not any(c.isspace() for c in text)


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return _NON_SLUG.sub("-", ascii_name.lower()).strip("-_")


def validate_name(name: str, field: str = "name") -> str:
    """Refuse names that cannot be addressed safely in a path or a URL; return the trimmed name."""
    trimmed = name.strip()
    if not trimmed:
        raise invalid(field, "must not be empty")
    if len(name) > MAX_NAME_LENGTH:  # as sent, spaces included: the schema's maxLength counts them too
        raise invalid(field, f"must be at most {MAX_NAME_LENGTH} characters")
    if any(_is_control(ch) for ch in trimmed):
        raise invalid(field, "must not contain control characters")
    if "/" in trimmed or "\\" in trimmed:
        raise invalid(field, "must not contain '/' or '\\'")
    if ".." in trimmed:
        raise invalid(field, "must not contain '..'")
    if not slugify(trimmed):
        raise invalid(field, "must contain at least one letter or digit")
    return trimmed


def validate_identifier(name: str, field: str = "name") -> str:
    """Table, column and lakehouse names become paths and SQL identifiers: letters, digits, `_`."""
    validate_name(name, field)
    if not _IDENTIFIER.fullmatch(name):  # not `match`: its `$` let `orders\n` through
        raise invalid(field, "must start with a letter or '_' and contain only letters, digits and '_'")
    return name


def validate_table_name(name: str, field: str = "name") -> str:
    """A table name is a directory next to Delta's `_delta_log` and the platform's `_platform`: names starting with
    `_` are reserved, so a table can never be (or hide inside) one of them."""
    validate_identifier(name, field)
    if name.startswith("_"):
        raise invalid(field, f"{name!r} is reserved: table names must not start with '_' (like `_delta_log`)")
    return name


@cache
def name_pattern() -> str:
    """`validate_name` as one regular expression (Python `re` syntax), built from the same character rules.

    Built on first use (about a second: it classifies every code point), for the OpenAPI document; a name
    matches it (and is at most MAX_NAME_LENGTH long) exactly when `validate_name` accepts it.
    """
    allowed = _char_class(lambda cp: not _is_control(chr(cp)) and chr(cp) not in "/\\")
    # only ASCII and characters with a decomposition can slug to a letter or digit (cheaper than NFKD on all)
    alnum = _char_class(
        lambda cp: (cp < 128 or unicodedata.decomposition(chr(cp)) != "") and _slugs_to_something(chr(cp))
    )
    # `[\s\S]`, not `.`: a name may start or end with a newline (trimmed away); `(?![\s\S])` is the very end in
    # both Python and ECMA-262 (`$` lets Python accept one trailing newline)
    return rf"^(?![\s\S]*\.\.)(?=[\s\S]*{alnum})\s*{allowed}*\s*(?![\s\S])"


def _char_class(test: Callable[[int], bool]) -> str:
    ranges: list[tuple[int, int]] = []
    start: int | None = None
    for cp in range(sys.maxunicode + 2):
        inside = cp <= sys.maxunicode and test(cp)
        if inside and start is None:
            start = cp
        elif not inside and start is not None:
            ranges.append((start, cp - 1))
            start = None
    parts = "".join(_escape(a) if a == b else f"{_escape(a)}-{_escape(b)}" for a, b in ranges)
    return f"[{parts}]"


def _escape(cp: int) -> str:
    return f"\\u{cp:04x}" if cp <= 0xFFFF else f"\\U{cp:08x}"
