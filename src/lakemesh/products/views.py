"""What the API returns about products: the document as written plus ids, status, version and dates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lakemesh.products.status import ProductStatus


class NotImported(BaseModel):
    """A part of an imported ODCS document with no place in a Lakemesh product: its JSON path and why."""

    path: str
    reason: str


class DataProduct(BaseModel):
    model_config = ConfigDict(populate_by_name=True, use_enum_values=True)

    id: str
    qualified_name: str = Field(description="`<domain>/<product>`, stable; the seed's Purview qualifiedName.")
    name: str
    slug: str
    domain: str
    owner: str
    description: str
    contract: dict[str, Any]
    storage: dict[str, Any]
    quality_rules: list[Any]
    tags: list[str]
    classification: str | None
    documentation_url: str | None
    data_steward: str | None
    input_ports: list[dict[str, Any]]
    output_ports: list[dict[str, Any]]
    enforcement: str
    status: ProductStatus
    version: str
    table: str = Field(description="Qualified name of the bound table: `<domain>.<lakehouse>.<table>`.")
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    deprecated_at: datetime | None
    sunset_date: date | None
    etag: str
    properties: dict[str, Any] = Field(default_factory=dict, description="The fields of the intake form.")
    usage_terms: list[str] = Field(default_factory=list, description="What every consumer agrees to.")
    warnings: list[str] = Field(default_factory=list)
    not_imported: list[NotImported] = Field(
        default_factory=list,
        description="On a create from an ODCS document: each part of it the product could not hold, and why.",
    )


class ProductVersion(BaseModel):
    version: str
    created_at: datetime
    created_by: str | None
    changes: list[dict[str, Any]]


class ChangeView(BaseModel):
    kind: str
    path: str
    breaking: bool
    message: str
    impacted: list[dict[str, Any]] = Field(
        default_factory=list, description="What downstream reads the changed part (from lineage), if breaking."
    )


class VersionDiff(BaseModel):
    product: str
    from_version: str
    to_version: str
    breaking: bool
    changes: list[ChangeView]
    impacted: list[dict[str, Any]] = Field(
        default_factory=list, description="Everything downstream of the breaking changes that you may see."
    )


class DeprecateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sunset_date: date = Field(description="When consumers must have moved off the product.")
    reason: str = ""
    replacement: str | None = Field(default=None, description="`<domain>/<product>` to move to.")


class ContractUpdate(BaseModel):
    """`PUT .../contract` in JSON: the new contract, and the version for a breaking change."""

    model_config = ConfigDict(extra="forbid")

    contract: dict[str, Any]
    version: str | None = Field(default=None, description="Required (a major bump) for breaking changes.")
