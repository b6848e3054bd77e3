"""Subscriptions: notices from the outbox after each write (and from a job), announcements, notification lists."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakemesh.subscriptions.service import SubscriptionService

if TYPE_CHECKING:
    from lakemesh.platform import Platform


def install(platform: Platform) -> None:
    p = platform
    p.subscriptions = SubscriptionService(p.catalog, p.authorizer, p.clock)
    p.catalog.on_events_committed(p.subscriptions.refresh)
    p.scheduler.every(5, "subscriptions", p.subscriptions.catch_up)
