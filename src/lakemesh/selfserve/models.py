"""The self-serve request and result, shared with the SDK."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from lakemesh.domains.models import Domain, Member
from lakemesh.lakehouses.models import Lakehouse


class DomainLakehouseRequest(BaseModel):
    """The seed's `create_domain_lakehouse(domain_name, steward_email, capacity_id)`, plus optional extras."""

    model_config = ConfigDict(extra="forbid")

    domain_name: str = Field(description="e.g. `Sales`: the domain `Sales` (shown as `Sales-Domain`).")
    steward_email: str = Field(description="The data steward; becomes a Member of the domain.")
    capacity_id: str | None = Field(default=None, description="Accepted for Fabric compatibility; recorded only.")
    description: str | None = Field(default=None, description="Default: the seed's `Data products for ... domain`.")
    owner: str | None = Field(default=None, description="Email of the domain's accountable owner.")
    template: str = Field(default="domain-lakehouse-template", description="A Lakehouse template.")
    lakehouse_name: str | None = Field(default=None, description="Default: `<name>_lakehouse`, e.g. sales_lakehouse.")
    steward_role: str = Field(default="Member", description="The steward's domain role (Member by default).")


class DomainLakehouse(BaseModel):
    domain: Domain
    lakehouse: Lakehouse
    steward: Member
    template: str
    template_version: int
    capacity_id: str | None
    created: dict[str, bool] = Field(description="What this call created (false: it already existed).")
