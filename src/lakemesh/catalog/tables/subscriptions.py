"""Catalog tables of the subscriptions capability: who follows a product, owners' announcements, notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lakemesh.catalog.tables.base import Base


class SubscriptionRow(Base):
    """A principal or a whole domain following a product. `opted_out` records a grantee who asked not to be
    subscribed by default (grantees are subscribed without a row)."""

    __tablename__ = "product_subscriptions"
    __table_args__ = (
        UniqueConstraint("product_id", "subscriber_kind", "subscriber_id"),
        Index("ix_product_subscriptions_subscriber", "subscriber_kind", "subscriber_id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    subscriber_kind: Mapped[str] = mapped_column(String(16))
    subscriber_id: Mapped[str] = mapped_column(String(40))
    subscriber: Mapped[str] = mapped_column(String(160))
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]


class AnnouncementRow(Base):
    """An owner's message to a product's consumers, shown between `starts_at` and `ends_at`."""

    __tablename__ = "product_announcements"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]


class NotificationRow(Base):
    """One notice for one subscriber (a principal, or a domain whose members all see it), from one outbox event."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_recipient", "recipient_kind", "recipient_id", "id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    recipient_kind: Mapped[str] = mapped_column(String(16))
    recipient_id: Mapped[str] = mapped_column(String(40))
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    product: Mapped[str] = mapped_column(String(300))
    event: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[int] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(String(400))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime]
