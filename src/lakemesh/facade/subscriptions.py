"""Subscriptions, announcements and notifications on the in-process `Mesh`."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from lakemesh.auth.models import Principal
from lakemesh.core.validation import parse_model
from lakemesh.facade.operation import remote
from lakemesh.subscriptions.models import Announcement, AnnouncementCreate, Notification, Subscription

if TYPE_CHECKING:
    from lakemesh.platform import Platform

PRODUCT = "/api/v1/products/{domain}/{product}"


class SubscriptionMethods:
    platform: Platform
    principal: Principal

    @remote("POST", PRODUCT + "/subscriptions", body=("subscriber",))
    def subscribe(self, domain: str, product: str, *, subscriber: str | None = None) -> Subscription:
        """Be told of new versions, deprecations, incidents and announcements; `subscriber="domain:<slug>"`
        subscribes a domain you administer."""
        return self.platform.subscriptions.subscribe(self.principal, domain, product, subscriber)

    @remote("DELETE", PRODUCT + "/subscriptions", query=("subscriber",))
    def unsubscribe(self, domain: str, product: str, *, subscriber: str | None = None) -> None:
        """Stop following (a grantee, subscribed by default, opts out)."""
        self.platform.subscriptions.unsubscribe(self.principal, domain, product, subscriber)

    @remote("GET", PRODUCT + "/subscriptions")
    def list_subscriptions(self, domain: str, product: str) -> list[Subscription]:
        """Every subscriber for the product's domain (Contributors and above); your own subscriptions otherwise."""
        return self.platform.subscriptions.subscriptions(self.principal, domain, product)

    @remote("POST", PRODUCT + "/announcements", body=("title", "text", "starts_at", "ends_at"))
    def announce(
        self,
        domain: str,
        product: str,
        title: str,
        *,
        text: str = "",
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
    ) -> Announcement:
        """Post an announcement to the product's subscribers (its owner and its domain's Admins)."""
        spec = parse_model(
            AnnouncementCreate, {"title": title, "text": text, "starts_at": starts_at, "ends_at": ends_at}
        )
        return self.platform.subscriptions.announce(self.principal, domain, product, spec)

    @remote("GET", PRODUCT + "/announcements", query=("current",))
    def announcements(self, domain: str, product: str, *, current: bool = True) -> list[Announcement]:
        """The product's announcements, newest first; `current=False` includes past and future ones."""
        return self.platform.subscriptions.announcements(self.principal, domain, product, current=current)

    @remote("GET", "/api/v1/me/notifications", query=("limit",))
    def notifications(self, *, limit: int = 50) -> list[Notification]:
        """Your notification list, newest first (notices to you and to your domains)."""
        return self.platform.subscriptions.notifications(self.principal, limit=limit)
