"""The lifecycle of a product: which status may follow which, and what a move records on the row."""

from __future__ import annotations

from datetime import date, datetime

from lakemesh.catalog.tables.products import ProductRow
from lakemesh.core.errors import Conflict
from lakemesh.products.status import ProductStatus

S = ProductStatus
# Publishing again and deprecating again are no-ops that keep the dates; a draft may be retired unpublished.
ALLOWED_FROM: dict[ProductStatus, frozenset[ProductStatus]] = {
    S.PUBLISHED: frozenset({S.DRAFT, S.PUBLISHED}),
    S.DEPRECATED: frozenset({S.PUBLISHED, S.DEPRECATED}),
    S.RETIRED: frozenset({S.DEPRECATED, S.DRAFT}),
}


def move(row: ProductRow, status: ProductStatus, now: datetime, *, sunset: date | None = None) -> str:
    """Move `row` to `status` (or refuse with 409); returns the status it had."""
    if row.status not in ALLOWED_FROM[status]:
        raise Conflict(f"Product {row.name!r} is {row.status}; it cannot become {status}")
    before = row.status
    row.status = status.value
    if status is S.PUBLISHED and row.published_at is None:
        row.published_at = now
    if status is S.DEPRECATED:
        row.deprecated_at, row.sunset_date = now, sunset
    row.revision += 1
    row.updated_at = now
    return before
