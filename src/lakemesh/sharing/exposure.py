"""What a shared table exposes, decided at every read from the current labels and masking policy.

A share stores only the owner's choice of columns (or none: every column). Labels change after a table is shared,
so the columns a recipient sees are worked out per request: the choice minus every column the masking policy
masks for a reader without grants. Signed file URLs carry a fingerprint of that set, so a URL handed out before
a column was labelled stops working.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from sqlalchemy.orm import Session

from lakemesh.core.errors import Forbidden
from lakemesh.lakehouses.tables import TableHandle

# Access control tells which columns a reader without grants would see masked (labels + masking policy).
MaskedColumns = Callable[[Session, TableHandle], list[str]]
EVERY_COLUMN = "*"


def exposed_columns(handle: TableHandle, chosen: list[str] | None, masked: Iterable[str]) -> list[str] | None:
    """The columns a recipient sees now; None when that is every column (the table's own files are served)."""
    known = [str(c["name"]) for c in handle.table.columns or []]
    hidden = {m.lower() for m in masked}
    wanted = None if chosen is None else {str(c).lower() for c in chosen}
    shown = [c for c in known if (wanted is None or c.lower() in wanted) and c.lower() not in hidden]
    if known and not shown:
        raise Forbidden("Every column this share exposed is now masked by its sensitivity label; nothing is served")
    return None if len(shown) == len(known) else shown


def columns_of(
    masked: MaskedColumns | None, session: Session, handle: TableHandle, chosen: list[str] | None
) -> list[str] | None:
    return exposed_columns(handle, chosen, masked(session, handle) if masked else [])


def fingerprint(columns: list[str] | None) -> str:
    """Names the exposed column set inside a signed URL (short: it is part of every file URL)."""
    if columns is None:
        return EVERY_COLUMN
    return hashlib.sha256(",".join(sorted(c.lower() for c in columns)).encode()).hexdigest()[:16]
