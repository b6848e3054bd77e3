"""Subscriptions: notices from the outbox by a job (and before a notification list is read), announcements."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakemesh.subscriptions.service import SubscriptionService

if TYPE_CHECKING:
    from lakemesh.platform import Platform


def install(platform: Platform) -> None:
    p = platform
    p.subscriptions = SubscriptionService(p.catalog, p.authorizer, p.clock)
    p.scheduler.every(5, "subscriptions", p.subscriptions.catch_up)
