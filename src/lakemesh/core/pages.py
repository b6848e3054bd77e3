"""Pagination shared by the API, the services and the SDK: `limit` plus an opaque cursor."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from lakemesh.core.documents import load_bounded_json
from lakemesh.core.errors import InvalidInput, invalid

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Any:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return load_bounded_json(base64.urlsafe_b64decode(padded.encode()), "cursor", max_depth=4)
    except (ValueError, InvalidInput) as exc:
        raise invalid("cursor", "is not a cursor this server issued") from exc


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise invalid("limit", f"must be between 1 and {MAX_LIMIT}")
    return limit


def every_item(fetch: Callable[[str | None], Page[T]]) -> list[T]:
    """Every item of a paged listing: `fetch(cursor)` is called until a page has no next cursor."""
    items: list[T] = []
    cursor: str | None = None
    while True:
        page = fetch(cursor)
        items.extend(page.items)
        if not page.next_cursor:
            return items
        cursor = page.next_cursor
