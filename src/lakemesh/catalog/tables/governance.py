"""Catalog tables of the governance capability: versioned policies, violations, notifications and webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lakemesh.catalog.tables.base import Base


class PolicyRow(Base):
    """The current version of a policy; `document` is what its author wrote (the seed's shape)."""

    __tablename__ = "policies"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    slug: Mapped[str] = mapped_column(String(128), unique=True)
    scope: Mapped[str] = mapped_column(String(16), index=True)  # GLOBAL or DOMAIN
    domain_id: Mapped[str | None] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    subject_kind: Mapped[str] = mapped_column(String(16))
    enforcement: Mapped[str] = mapped_column(String(8))
    description: Mapped[str] = mapped_column(Text, default="")
    document: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(128))
    updated_at: Mapped[datetime]


class PolicyVersionRow(Base):
    """Every version of every policy document, so a change can be reviewed and rolled back."""

    __tablename__ = "policy_versions"
    __table_args__ = (UniqueConstraint("policy_id", "version"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    policy_id: Mapped[str] = mapped_column(ForeignKey("policies.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]]
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]


class ViolationRow(Base):
    """One subject breaking one policy; it stays open until an evaluation finds the subject compliant."""

    __tablename__ = "governance_violations"
    __table_args__ = (Index("ix_governance_violations_lookup", "status", "policy_id", "subject_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    policy_id: Mapped[str] = mapped_column(String(40), index=True)
    policy_name: Mapped[str] = mapped_column(String(128))
    enforcement: Mapped[str] = mapped_column(String(8))
    severity: Mapped[str] = mapped_column(String(8), index=True)
    subject_id: Mapped[str] = mapped_column(String(600))
    subject_kind: Mapped[str] = mapped_column(String(16))
    domain_id: Mapped[str | None] = mapped_column(String(40), index=True)
    domain: Mapped[str | None] = mapped_column(String(128))
    finding: Mapped[str] = mapped_column(String(16))  # violation, or error when the rule could not be decided
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8))
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class NotificationRow(Base):
    """A governance alert people should see: a violation opened or resolved under a block or alert policy."""

    __tablename__ = "governance_notifications"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(8))
    policy_name: Mapped[str] = mapped_column(String(128))
    subject_id: Mapped[str] = mapped_column(String(600))
    domain_id: Mapped[str | None] = mapped_column(String(40), index=True)
    domain: Mapped[str | None] = mapped_column(String(128))
    message: Mapped[str] = mapped_column(Text)


class WebhookRow(Base):
    """Where events are POSTed, signed with `secret`; `domain_id` None means a platform-wide webhook."""

    __tablename__ = "governance_webhooks"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    url: Mapped[str] = mapped_column(String(2048))
    secret: Mapped[str] = mapped_column(String(128))
    domain_id: Mapped[str | None] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"), index=True)
    events: Mapped[list[Any]] = mapped_column(default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]


class WebhookDeliveryRow(Base):
    """One event to one webhook, retried with backoff until delivered or given up."""

    __tablename__ = "governance_webhook_deliveries"
    __table_args__ = (Index("ix_governance_webhook_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    webhook_id: Mapped[str] = mapped_column(ForeignKey("governance_webhooks.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(Integer)
    event_type: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(12))  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
