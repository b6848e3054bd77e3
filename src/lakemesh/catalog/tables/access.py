"""Catalog tables of the access capability: access requests, grants, masking settings and the search index."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lakemesh.catalog.tables.base import Base


class AccessRequestRow(Base):
    """A consumer's request for a product; `history` keeps every step for both sides to see."""

    __tablename__ = "access_requests"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    domain_id: Mapped[str] = mapped_column(String(40), index=True)
    requester_id: Mapped[str] = mapped_column(ForeignKey("principals.id", ondelete="CASCADE"), index=True)
    requester: Mapped[str] = mapped_column(String(128))
    grantee_kind: Mapped[str] = mapped_column(String(16))
    grantee_id: Mapped[str] = mapped_column(String(40), index=True)
    grantee: Mapped[str] = mapped_column(String(160))
    purpose: Mapped[str] = mapped_column(Text)
    columns: Mapped[list[Any] | None]
    duration: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), index=True)
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    grant_id: Mapped[str | None] = mapped_column(String(40))
    # The product's usage terms shown to the requester when asking: what the consumer accepted.
    terms: Mapped[list[Any] | None]
    history: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class GrantRow(Base):
    """Read access to one product's table for a principal or every member of a domain, until it expires."""

    __tablename__ = "access_grants"
    __table_args__ = (Index("ix_access_grants_grantee", "grantee_kind", "grantee_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    domain_id: Mapped[str] = mapped_column(String(40), index=True)
    grantee_kind: Mapped[str] = mapped_column(String(16))
    grantee_id: Mapped[str] = mapped_column(String(40))
    grantee: Mapped[str] = mapped_column(String(160))
    columns: Mapped[list[Any] | None]
    expires_at: Mapped[datetime | None] = mapped_column(index=True)
    request_id: Mapped[str | None] = mapped_column(String(40))
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(128))
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    expired_at: Mapped[datetime | None]
    # The usage agreement the grant carries out, and the version of it accepted last (a renewal bumps it).
    agreement_id: Mapped[str | None] = mapped_column(String(40))
    agreement_version: Mapped[int | None]


class AccessSettingRow(Base):
    """Deployment-wide access settings: the masking salt and the masking function per label."""

    __tablename__ = "access_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(128))
