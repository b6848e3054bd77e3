"""Schemas of principals and tokens, shared with the SDK."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class PlatformRole(StrEnum):
    ADMIN = "admin"
    USER = "user"


class Principal(BaseModel):
    """A user, a service principal or a group, identified by name (often an email)."""

    id: str
    name: str
    kind: Literal["user", "service", "group"]
    email: str | None = Field(default=None, description="Shown to platform admins and to the principal itself.")
    display_name: str | None = None
    platform_role: PlatformRole | None = Field(
        default=PlatformRole.USER, description="None when hidden: only platform admins see others' roles."
    )
    disabled: bool = False
    created_at: datetime

    def for_viewer(self, viewer: Principal) -> Principal:
        """What `viewer` may see of this principal: others' e-mails and roles are for admins (pickers need names)."""
        if viewer.is_platform_admin or viewer.id == self.id:
            return self
        return self.model_copy(update={"email": None, "platform_role": None})

    @property
    def is_platform_admin(self) -> bool:
        return self.platform_role is PlatformRole.ADMIN and not self.disabled


class PrincipalCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Unique name, e.g. an email address or `etl-service`.")
    kind: Literal["user", "service", "group"] = Field(
        default="user", description="`group`: its members act with its roles, grants and ownerships."
    )
    email: str | None = Field(default=None, description="Defaults to the name when it is an email.")
    display_name: str | None = None
    platform_role: PlatformRole = PlatformRole.USER


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="api", description="What the token is for.")
    principal: str | None = Field(
        default=None, description="Whose token; default the caller. Only platform admins create tokens for others."
    )
    expires_in: str | None = Field(default=None, description="Lifetime such as `30d` or `12h`; none = no expiry.")


class Token(BaseModel):
    """A token as listed: never the secret, only its first characters."""

    id: str
    name: str
    principal: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


class IssuedToken(Token):
    """Returned once, when the token is created: the only time the secret is shown."""

    secret: str


class GroupMember(BaseModel):
    """A member of a group, and who maintains that membership (`manual`, `scim` or `idp`)."""

    group: str
    principal: str
    kind: Literal["user", "service"]
    source: Literal["manual", "scim", "idp"]
    added_at: datetime


class GroupMemberAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    principal: str = Field(description="Name, e-mail or id of a user or service principal.")
