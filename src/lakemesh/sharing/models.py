"""Schemas of shortcuts, shares, shared tables and recipients, shared with the SDK."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lakemesh.core.validation import MAX_INT64


class TableTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")

    domain: str
    lakehouse: str
    table: str


class OneLakeTarget(BaseModel):
    """The Fabric form of a target: workspace = domain, item = lakehouse (ids or names), path = `Tables/<table>`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    workspace_id: str = Field(alias="workspaceId")
    item_id: str = Field(alias="itemId")
    path: str


class ShortcutTarget(BaseModel):
    """Either `{domain, lakehouse, table}` or the seed's `{"oneLake": {workspaceId, itemId, path}}`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    domain: str | None = None
    lakehouse: str | None = None
    table: str | None = None
    one_lake: OneLakeTarget | None = Field(default=None, alias="oneLake")

    @model_validator(mode="after")
    def _one_form(self) -> ShortcutTarget:
        named = [self.domain, self.lakehouse, self.table]
        if self.one_lake is not None and any(v is not None for v in named):
            raise ValueError("give either domain/lakehouse/table or oneLake, not both")
        if self.one_lake is None and any(v is None for v in named):
            raise ValueError("give domain, lakehouse and table (or oneLake with workspaceId, itemId and path)")
        return self


class ShortcutCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="Where the shortcut appears, e.g. `Tables/shared_customer_360`.")
    target: ShortcutTarget
    version: int | None = Field(
        default=None, ge=0, le=MAX_INT64, description="Pin a version of the target; latest by default."
    )
    replace: bool = Field(default=False, description="Re-point an existing shortcut at this path.")


class Shortcut(BaseModel):
    id: str
    domain: str
    lakehouse: str
    name: str
    path: str
    qualified_name: str
    target: TableTarget | None = Field(description="None when the target table no longer exists.")
    target_version: int | None
    status: str = Field(description="`ok`, or `broken` when you cannot read the target (gone, or grant lost).")
    created_by: str | None
    created_at: datetime


class ShareCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Letters, digits and `_`; recipients address tables as `<share>.<schema>.<table>`.")
    domain: str = Field(description="The domain whose tables the share exposes.")
    description: str = ""


class ShareTableAdd(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    lakehouse: str
    table: str
    schema_name: str | None = Field(default=None, alias="schema", description="Defaults to the lakehouse name.")
    name: str | None = Field(default=None, description="Name recipients see; defaults to the table name.")
    columns: list[str] | None = Field(
        default=None,
        description="Columns recipients see. Default: every column without a masked sensitivity label, "
        "re-evaluated at every read; masked columns are never shared.",
    )


class SharedTable(BaseModel):
    id: str
    share: str
    schema_name: str
    name: str
    table: str = Field(description="`<domain>.<lakehouse>.<table>` in the mesh.")
    columns: list[str] | None = Field(
        description="Columns recipients see now (None = every column): the chosen ones minus any the current "
        "sensitivity labels mask. Decided again at every read, so labelling a column later hides it."
    )
    chosen_columns: list[str] | None = Field(
        default=None, description="The columns named when the table was added (None = every unmasked column)."
    )
    created_at: datetime


class Share(BaseModel):
    id: str
    name: str
    domain: str
    description: str
    tables: list[SharedTable]
    recipients: int
    created_by: str | None
    created_at: datetime


class RecipientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    expires_in: str | None = Field(default=None, description="e.g. `90d`; never by default.")


class Recipient(BaseModel):
    id: str
    share: str
    name: str
    token_prefix: str
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    created_by: str | None
    created_at: datetime
    state: str = Field(description="`active`, `expired` or `revoked`.")


class IssuedRecipient(Recipient):
    """Returned once at creation: the bearer token and a ready-to-use Delta Sharing profile file."""

    token: str
    profile: dict[str, Any]


class SharingProfileTable(BaseModel):
    """A table your profile serves, as the Delta Sharing client addresses it: `<share>.<schema>.<name>`."""

    share: str
    schema_name: str = Field(description="The product's domain.")
    name: str = Field(description="The product.")
    product: str = Field(description="`<domain>/<product>` the grant is on.")
    table: str = Field(description="`<domain>.<lakehouse>.<table>` in the mesh.")
    columns: list[str] | None = Field(description="Columns served; None = all. Columns SQL masks for you are left out.")


class SharingProfile(BaseModel):
    """Your personal Delta Sharing profile: it serves exactly the products your grants in force cover."""

    id: str
    principal: str
    share: str
    token_prefix: str
    state: str = Field(description="`active` or `revoked`.")
    tables: list[SharingProfileTable] = Field(description="What it serves now; follows your grants.")
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class IssuedSharingProfile(SharingProfile):
    """Returned once at creation: the bearer token and the profile file for the `delta-sharing` client."""

    token: str
    profile: dict[str, Any]
