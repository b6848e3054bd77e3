"""Resource limits of the HTTP edge: how many bytes one upload may bring, and how much heavy work runs at once.

Heavy requests take a slot from a pool sized to the machine (`HeavySlots`); health, auth and metadata
requests take none, so they never wait behind queries.

Uploads are checked while they stream (chunked bodies have no Content-Length to trust): the body goes to a
temporary file that is removed on a 413, so nothing is kept. A lakehouse limit (off by default) caps the bytes
its tables and Files area hold; an upload may use what is left of it.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass

from fastapi import Depends, Request

from lakemesh.api.deps import Caller
from lakemesh.auth.models import Principal
from lakemesh.core.errors import TooManyRequests
from lakemesh.platform import Platform


@dataclass(frozen=True)
class UploadLimit:
    bytes: int
    message: str


def upload_limit(platform: Platform, caller: Principal, domain: str, lakehouse: str) -> UploadLimit:
    """The most one upload into `lakehouse` may bring: the per-request limit, or what is left of the lakehouse's."""
    settings = platform.settings
    per_request = UploadLimit(
        settings.max_upload_bytes,
        f"Uploads are limited to {settings.max_upload_bytes} bytes (LAKEMESH_MAX_UPLOAD_BYTES)",
    )
    if settings.max_lakehouse_bytes is None:
        return per_request
    used = lakehouse_bytes(platform, caller, domain, lakehouse)
    left = max(0, settings.max_lakehouse_bytes - used)
    if left >= per_request.bytes:
        return per_request
    return UploadLimit(
        left,
        f"Lakehouse {lakehouse!r} holds {used} of its {settings.max_lakehouse_bytes} bytes "
        f"(LAKEMESH_MAX_LAKEHOUSE_BYTES); this upload may bring at most {left} more",
    )


def lakehouse_bytes(platform: Platform, caller: Principal, domain: str, lakehouse: str) -> int:
    """Bytes a lakehouse holds: its own tables (shortcuts hold none) and its Files area."""
    tables = sum(t.size_bytes or 0 for t in platform.tables.list(caller, domain, lakehouse) if not t.shortcut_target)
    files = sum(f.size_bytes for f in platform.files.list(caller, domain, lakehouse))
    return tables + files


class HeavySlots:
    """A fixed pool of slots for heavy requests, at most `per_principal` of them held by one principal.

    Heavy requests (governed SQL, DAX, pipeline run-now, uploads) hold a worker thread for seconds. Without a
    bound, one principal's burst takes every thread and the catalog pool, and everyone else's metadata reads
    and health checks queue behind it. A request that finds no slot is answered at once with 429 and
    `Retry-After` instead of waiting, so the server never queues more heavy work than it can run.
    """

    def __init__(self, size: int, per_principal: int) -> None:
        self.size = size
        self.per_principal = per_principal
        self._lock = threading.Lock()
        self._held: Counter[str] = Counter()

    def acquire(self, principal: str) -> None:
        """Take a slot for `principal` or raise TooManyRequests saying which limit was hit."""
        with self._lock:
            if self._held[principal] >= self.per_principal:
                raise TooManyRequests(
                    f"You already run {self.per_principal} heavy requests (queries, DAX, pipeline runs, uploads) "
                    "at once; retry when one finishes"
                )
            if sum(self._held.values()) >= self.size:
                raise TooManyRequests(f"The server runs {self.size} heavy requests at once; retry shortly")
            self._held[principal] += 1

    def release(self, principal: str) -> None:
        with self._lock:
            self._held[principal] -= 1
            if self._held[principal] <= 0:
                del self._held[principal]

    @property
    def held(self) -> int:
        with self._lock:
            return sum(self._held.values())


def heavy_slots(platform: Platform) -> HeavySlots:
    settings = platform.settings
    return HeavySlots(settings.heavy_slots or os.cpu_count() or 2, settings.heavy_slots_per_principal)


async def heavy_slot(request: Request, caller: Caller) -> AsyncIterator[None]:
    """Route dependency: hold one heavy slot for the caller while the request runs."""
    slots: HeavySlots = request.app.state.heavy_slots
    slots.acquire(caller.id)
    try:
        yield
    finally:
        slots.release(caller.id)


HeavySlot = Depends(heavy_slot)
