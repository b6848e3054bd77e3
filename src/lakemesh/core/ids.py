"""Stable, time-ordered object ids with a readable prefix (`dom_01J...`)."""

from __future__ import annotations

import os
import time
import uuid

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
# Crockford digits → the digits `int(text, 32)` reads, so a GUID costs one C-level conversion.
_TO_INT_DIGITS = str.maketrans(_ALPHABET, "0123456789abcdefghijklmnopqrstuv")


def new_id(prefix: str) -> str:
    """A ULID-style id: 48 bits of milliseconds then 80 random bits, so ids sort by creation."""
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        value, rest = divmod(value, 32)
        chars.append(_ALPHABET[rest])
    return f"{prefix}_{''.join(reversed(chars))}"


def uuid_of(object_id: str) -> str:
    """The object's GUID for Fabric/Purview clients: its 128-bit ULID body as a UUID, so nothing is stored."""
    _, _, body = object_id.rpartition("_")
    return str(uuid.UUID(int=int(body.lower().translate(_TO_INT_DIGITS), 32)))


def id_from_uuid(text: str, prefix: str) -> str | None:
    """The native id (`dom_01J...`) a GUID stands for, or None when `text` is not a GUID."""
    try:
        value = uuid.UUID(text.strip()).int
    except (ValueError, AttributeError):
        return None
    chars = []
    for _ in range(26):
        value, rest = divmod(value, 32)
        chars.append(_ALPHABET[rest])
    return f"{prefix}_{''.join(reversed(chars))}"


def native_ref(ref: str, prefix: str) -> str:
    """`ref` with a GUID turned into the native id, so every lookup accepts both; other refs unchanged."""
    return id_from_uuid(ref, prefix) or ref
