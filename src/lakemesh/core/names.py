"""Names are case-preserving and matched case-insensitively through their slug (`Customer 360` → `customer-360`)."""

from __future__ import annotations

import re
import unicodedata

from lakemesh.core.errors import invalid

MAX_NAME_LENGTH = 128
_NON_SLUG = re.compile(r"[^a-z0-9_]+")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def looks_like_email(value: str) -> bool:
    """A plausibility check (one `@`-bearing token, at most 254 characters), not delivery validation."""
    text = value.strip()
    return "@" in text and len(text) <= 254 and not any(c.isspace() for c in text)


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return _NON_SLUG.sub("-", ascii_name.lower()).strip("-_")


def validate_name(name: str, field: str = "name") -> str:
    """Refuse names that cannot be addressed safely in a path or a URL; return the trimmed name."""
    trimmed = name.strip()
    if not trimmed:
        raise invalid(field, "must not be empty")
    if len(trimmed) > MAX_NAME_LENGTH:
        raise invalid(field, f"must be at most {MAX_NAME_LENGTH} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in trimmed):
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
    if not _IDENTIFIER.match(name):
        raise invalid(field, "must start with a letter or '_' and contain only letters, digits and '_'")
    return name


def validate_table_name(name: str, field: str = "name") -> str:
    """A table name is a directory next to Delta's `_delta_log` and the platform's `_platform`: names starting with
    `_` are reserved, so a table can never be (or hide inside) one of them."""
    validate_identifier(name, field)
    if name.startswith("_"):
        raise invalid(field, f"{name!r} is reserved: table names must not start with '_' (like `_delta_log`)")
    return name
