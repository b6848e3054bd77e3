"""Catalog tables of the sharing capability: Delta Sharing shares, their tables and recipients, and the URL key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lakemesh.catalog.tables.base import Base


class ShareRow(Base):
    """A named set of one domain's tables that outside recipients read over the Delta Sharing protocol."""

    __tablename__ = "shares"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    domain_id: Mapped[str] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ShareTableRow(Base):
    """One table in a share, as `<schema>.<name>`; `columns` is what recipients see (None = every column)."""

    __tablename__ = "share_tables"
    __table_args__ = (UniqueConstraint("share_id", "schema_name", "name"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    share_id: Mapped[str] = mapped_column(ForeignKey("shares.id", ondelete="CASCADE"), index=True)
    schema_name: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(128))
    table_id: Mapped[str] = mapped_column(ForeignKey("lakehouse_tables.id", ondelete="CASCADE"), index=True)
    columns: Mapped[list[Any] | None]
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]


class ShareRecipientRow(Base):
    """Who reads a share: a bearer token stored as a SHA-256 hash, with an optional expiry, revocable."""

    __tablename__ = "share_recipients"
    __table_args__ = (UniqueConstraint("share_id", "name"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    share_id: Mapped[str] = mapped_column(ForeignKey("shares.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(128))
    last_used_at: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]


class SharingSettingRow(Base):
    """Deployment-wide sharing settings; holds the HMAC key of signed file URLs (never returned by the API)."""

    __tablename__ = "sharing_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class SharingProfileRow(Base):
    """A grantee's personal Delta Sharing credential: its share holds exactly the tables their grants cover.

    The tables are not stored: they are read from the grants in force on every request, so a grant added, revoked
    or expired changes what the profile serves at once. One active profile per principal; a new one replaces it.
    """

    __tablename__ = "sharing_profiles"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    principal_id: Mapped[str] = mapped_column(ForeignKey("principals.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
