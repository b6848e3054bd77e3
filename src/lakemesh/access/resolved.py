"""The tables a governed query names, resolved and planned once per catalog version instead of once per query.

Resolving one name and planning its masks costs about ten catalog reads (domain, lakehouse, table, the reader's
role, grants, the contracts' labels and enums, the masking policy): on a point lookup, more than the engine's
work. Every change to what they read journals an outbox event (grants, roles, groups, domains, lakehouses,
tables, products, the masking policy), so an answer is kept per (principal, name) only while `catalog_version`
stays where it was when the answer was read; the first query after any change reads everything again. A grant
that expires writes no event, so an answer also ends at the earliest expiry among the principal's grants in
force. Refusals (not found, forbidden) are never kept: they are read again each time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from lakemesh.access.masking import MaskPlan
from lakemesh.auth.models import Principal
from lakemesh.lakehouses.tables import TableHandle

Version = tuple[int, int]
Key = tuple[str, str | None, bool, tuple[str, ...]]


@dataclass(frozen=True)
class ResolvedTable:
    """One name as the reader wrote it: the table it reads (shortcuts followed) and the reader's masks on it."""

    handle: TableHandle
    plan: MaskPlan


def resolution_key(principal: Principal, parts: tuple[str, ...]) -> Key:
    """Who asks (with what they are, as the caller knows it) and the name as written, case folded."""
    role = principal.platform_role.value if principal.platform_role is not None else None
    return principal.id, role, principal.disabled, tuple(p.lower() for p in parts)


class ResolvedTables:
    """Up to `size` resolutions of the current catalog version, least recently used dropped first."""

    def __init__(self, *, size: int = 2048) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._version: Version | None = None
        self._kept: OrderedDict[Key, tuple[ResolvedTable, datetime | None]] = OrderedDict()

    def get(self, key: Key, version: Version, now: datetime) -> ResolvedTable | None:
        with self._lock:
            if version != self._version:
                return None
            found = self._kept.get(key)
            if found is None:
                return None
            resolved, until = found
            if until is not None and now >= until:
                del self._kept[key]
                return None
            self._kept.move_to_end(key)
            return resolved

    def keep(self, key: Key, version: Version, resolved: ResolvedTable, until: datetime | None) -> None:
        """Remember an answer read at `version` (read before the answer, so a change in between only costs a miss)."""
        with self._lock:
            current = self._version
            if current is None or (version[0] >= current[0] and version != current):
                self._version = version
                self._kept.clear()
            if version != self._version:
                return  # read before a newer version another query has seen: not worth keeping
            self._kept[key] = (resolved, until)
            self._kept.move_to_end(key)
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
