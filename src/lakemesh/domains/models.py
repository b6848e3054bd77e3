"""Schemas of domains and role assignments, shared with the SDK."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lakemesh.auth.roles import DomainRole


class DomainCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Unique name, e.g. `Sales`; addressed by its slug (`sales`).")
    display_name: str | None = Field(default=None, description="Shown in the UI, e.g. `Sales-Domain`.")
    description: str = ""
    owner: str | None = Field(default=None, description="Email of the accountable owner.")
    steward: str | None = Field(default=None, description="Email of the data steward.")
    tags: list[str] = Field(default_factory=list)


class DomainUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: str | None = None
    description: str | None = None
    owner: str | None = None
    steward: str | None = None
    tags: list[str] | None = None


class Domain(BaseModel):
    id: str
    name: str
    slug: str
    display_name: str | None = None
    description: str = ""
    owner: str | None = None
    steward: str | None = None
    tags: list[str] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime
    etag: str = Field(description="Send it back in If-Match to update only what you read.")


class MemberAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    principal: str = Field(description="Name, email or id of the principal.")
    role: DomainRole = Field(description="Admin, Member, Contributor or Viewer (any case).")

    @field_validator("role", mode="before")
    @classmethod
    def _any_case(cls, value: object) -> object:
        return DomainRole.parse(value) if isinstance(value, str) else value


class Member(BaseModel):
    principal: str
    principal_id: str
    email: str | None = None
    kind: str
    role: DomainRole
    added_at: datetime
