"""Discovery: the search index, refreshed when catalog events commit and kept in step with the outbox by a job."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakemesh.discovery.index import INDEXED
from lakemesh.discovery.service import SearchService

if TYPE_CHECKING:
    from lakemesh.platform import Platform


def install(platform: Platform) -> None:
    platform.discovery = SearchService(platform.catalog, platform.clock)
    platform.catalog.on_events_committed(platform.discovery.refresh, INDEXED)
    platform.scheduler.every(5, "search-index", platform.discovery.catch_up)
