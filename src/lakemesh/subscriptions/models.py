"""What the API returns about subscriptions, announcements and notifications (shared with the SDK)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SubscriberKind = Literal["principal", "domain"]


class Subscription(BaseModel):
    product: str = Field(description="`<domain>/<product>`.")
    subscriber: str = Field(description="A principal's name, or `domain:<slug>` for every member of a domain.")
    kind: SubscriberKind
    source: Literal["subscribed", "grant"] = Field(
        description="`grant`: subscribed by default as a holder of an active grant (opt out with DELETE)."
    )
    created_at: datetime | None


class Announcement(BaseModel):
    id: str
    product: str
    title: str
    text: str
    starts_at: datetime
    ends_at: datetime | None
    created_by: str | None
    created_at: datetime


class AnnouncementCreate(BaseModel):
    """`POST .../announcements`: a message to the product's consumers; shown from `starts_at` until `ends_at`."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    text: str = Field(default="", max_length=10_000)
    starts_at: datetime | None = Field(default=None, description="Default: now.")
    ends_at: datetime | None = None


class Notification(BaseModel):
    id: str
    product: str = Field(description="`<domain>/<product>`; empty for the council's notices (see `link`).")
    event: str = Field(description="What happened: `incident.opened`, `product.deprecated`, `announcement.posted`…")
    title: str
    payload: dict[str, Any]
    at: datetime
    to: str = Field(description="The subscription it came through: your name, or `domain:<slug>`.")
    link: str | None = Field(
        default=None, description="For the council's notices, the web page of the proposal or case (`/council/...`)."
    )


class SubscriptionCreate(BaseModel):
    """`POST .../subscriptions`: yourself by default, `domain:<slug>` for a domain you administer."""

    model_config = ConfigDict(extra="forbid")

    subscriber: str | None = Field(default=None, max_length=200)
