"""Profiles: the service over the `data_profiles` history, and a job that profiles tables that changed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakemesh.core.durations import parse_duration
from lakemesh.profiles.history import ProfileHistory
from lakemesh.profiles.service import ProfileService

if TYPE_CHECKING:
    from lakemesh.platform import Platform


def install(platform: Platform) -> None:
    p = platform
    history = ProfileHistory(p.delta, p.data_root)
    p.profiles = ProfileService(
        p.catalog, p.clock, p.tables, p.reads, history, memory_limit=p.settings.query_memory_limit
    )
    if p.settings.profile_interval != "off":
        every = parse_duration(p.settings.profile_interval, "profile_interval").total_seconds()
        p.scheduler.every(every, "profiles", p.profiles.profile_changed)
