"""Principals (users, service principals and groups), group members, API tokens and roles in domains."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from lakemesh.catalog.tables.base import Base


class PrincipalRow(Base):
    __tablename__ = "principals"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    key: Mapped[str] = mapped_column(String(128), unique=True, comment="lower-cased name for lookups")
    kind: Mapped[str] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    display_name: Mapped[str | None] = mapped_column(String(256))
    platform_role: Mapped[str] = mapped_column(String(16), default="user")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


# One principal per e-mail, case-insensitively (migration 0011); names are checked against e-mails in code.
Index("uq_principals_email_lower", func.lower(PrincipalRow.email), unique=True)


class TokenRow(Base):
    __tablename__ = "tokens"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    principal_id: Mapped[str] = mapped_column(ForeignKey("principals.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    # SCRAM-SHA-256 verifier (RFC 5802/7677, base64) for the SQL endpoint; NULL for tokens older than 0022.
    # Never leaves the auth service: no API shape carries these columns.
    scram_salt: Mapped[str | None] = mapped_column(String(64))
    scram_iterations: Mapped[int | None]
    scram_stored_key: Mapped[str | None] = mapped_column(String(64))
    scram_server_key: Mapped[str | None] = mapped_column(String(64))


class RoleAssignmentRow(Base):
    """The role a principal holds in a domain; at most one per pair."""

    __tablename__ = "role_assignments"
    __table_args__ = (UniqueConstraint("domain_id", "principal_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    domain_id: Mapped[str] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"), index=True)
    principal_id: Mapped[str] = mapped_column(ForeignKey("principals.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class WebSessionRow(Base):
    """A signed-in browser: the cookie holds a random id, the catalog only its hash, so sign-out really ends it."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True, comment="SHA-256 of the cookie's session id")
    principal_id: Mapped[str] = mapped_column(ForeignKey("principals.id", ondelete="CASCADE"), index=True)
    token_id: Mapped[str | None] = mapped_column(
        ForeignKey("tokens.id", ondelete="CASCADE"), index=True, comment="none when signed in through the IdP"
    )
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class GroupMemberRow(Base):
    """A principal's membership of a group principal; `source` says who maintains it (manual, scim or idp),
    so a sign-in's `groups` claim replaces only what earlier sign-ins brought and leaves SCIM's and admins' alone."""

    __tablename__ = "group_members"

    group_id: Mapped[str] = mapped_column(ForeignKey("principals.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[str] = mapped_column(
        ForeignKey("principals.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    source: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]


class ScimIdentityRow(Base):
    """What SCIM keeps about a provisioned user or group that Lakemesh itself has no column for."""

    __tablename__ = "scim_identities"

    principal_id: Mapped[str] = mapped_column(ForeignKey("principals.id", ondelete="CASCADE"), primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(256), index=True)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None] = mapped_column(comment="deleted over SCIM: disabled, kept for history")
    attributes: Mapped[dict[str, Any]] = mapped_column(
        default=dict, comment="what the directory sent beyond Lakemesh's own fields, given back as sent"
    )


class IdpIdentityRow(Base):
    """A person or workload at the company identity provider, linked to its principal: keyed by (issuer, subject),
    never by e-mail, because e-mails are renamed and reused while the IdP's subject stays."""

    __tablename__ = "idp_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    issuer: Mapped[str] = mapped_column(String(512))
    subject: Mapped[str] = mapped_column(String(255))
    principal_id: Mapped[str] = mapped_column(ForeignKey("principals.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
