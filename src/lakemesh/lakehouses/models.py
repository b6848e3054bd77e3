"""Schemas of lakehouses, tables and their history, shared with the SDK."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from lakemesh.storage.types import type_name

Layer = Literal["bronze", "silver", "gold"]


class LakehouseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Letters, digits and `_`, e.g. `sales_lakehouse`.")
    description: str = ""
    data_steward: str | None = Field(default=None, description="Email of the data steward.")
    template: str | None = Field(default=None, description="e.g. `domain-lakehouse-template`.")
    sensitivity: str | None = Field(
        default=None, description="Sensitivity classification, e.g. `Confidential` (required by some templates)."
    )
    layers: list[Layer] | None = None
    retention_days: int | None = Field(default=None, ge=0, le=36500)
    auto_vacuum: bool | None = None


class LakehouseUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str | None = None
    data_steward: str | None = None
    sensitivity: str | None = None
    retention_days: int | None = Field(default=None, ge=0, le=36500)
    auto_vacuum: bool | None = None


class Lakehouse(BaseModel):
    id: str
    domain: str
    name: str
    description: str
    data_steward: str | None
    template: str | None
    sensitivity: str | None
    layers: list[str]
    default_format: str
    retention_days: int
    auto_vacuum: bool
    location: str
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    etag: str


class ColumnDef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    type: str = Field(description="`string`, `int64`, `double`, `boolean`, `date`, `timestamp`, `decimal(18,2)`...")
    nullable: bool = True
    description: str = ""
    sensitivity_label: str | None = Field(default=None, description="e.g. `Confidential`, `Highly Confidential`.")


class TableCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="e.g. `gold_customer_360`; a bronze_/silver_/gold_ prefix sets the layer.")
    layer: Layer | None = None
    description: str = ""
    columns: list[ColumnDef] = Field(min_length=1)
    partition_columns: list[str] = Field(default_factory=list)
    change_data_feed: bool = Field(
        default=False, description="Record row-level changes (`delta.enableChangeDataFeed`), read by Delta Sharing."
    )


class ColumnUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str | None = None
    sensitivity_label: str | None = None
    classifications: list[str] | None = Field(
        default=None, max_length=20, description="Kinds of sensitive data, e.g. `email` (set by accepted suggestions)."
    )


class TableUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    layer: Layer | None = None
    description: str | None = None
    retention_days: int | None = Field(
        default=None, ge=0, le=36500, description="Days of history kept before vacuum; default the lakehouse's."
    )
    columns: dict[str, ColumnUpdate] = Field(default_factory=dict, description="Per column name.")
    change_data_feed: bool | None = Field(default=None, description="Turn `delta.enableChangeDataFeed` on or off.")


class ColumnInfo(BaseModel):
    name: str
    type: str
    nullable: bool = True
    description: str = ""
    sensitivity_label: str | None = None
    classifications: list[str] = Field(default_factory=list, description="Accepted classifications, e.g. `email`.")


class TableInfo(BaseModel):
    id: str
    domain: str
    lakehouse: str
    name: str
    qualified_name: str = Field(description="`<domain>.<lakehouse>.<table>`, as governed SQL addresses it.")
    layer: str | None
    description: str
    columns: list[ColumnInfo]
    partition_columns: list[str]
    version: int | None
    row_count: int | None
    size_bytes: int | None
    file_count: int | None = None
    last_refresh: datetime | None
    retention_days: int
    properties: dict[str, Any]
    created_by: str | None
    created_at: datetime
    shortcut_target: str | None = None
    status: str = Field(default="ok", description="`ok`, `empty` (no data yet) or `broken` (shortcut).")


class WriteResult(BaseModel):
    table: str
    version: int
    mode: str
    rows_written: int
    warnings: list[str] = Field(default_factory=list)


class CommitInfo(BaseModel):
    version: int
    at: datetime
    operation: str
    actor: str | None
    rows_added: int | None
    parameters: dict[str, Any]
    metadata: dict[str, str] = {}


class VacuumResult(BaseModel):
    dry_run: bool
    retention_hours: int
    files_removed: int
    files: list[str]


class OptimizeResult(BaseModel):
    version: int
    files_added: int
    files_removed: int
    metrics: dict[str, Any]


class FileInfo(BaseModel):
    path: str
    size_bytes: int
    modified_at: datetime | None


def columns_from(
    schema: pa.Schema | Iterable[dict[str, Any]],
    descriptions: dict[str, str] | None = None,
    sensitivity_labels: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Column definitions from a pyarrow schema (or dicts), with descriptions and labels by column name."""
    if isinstance(schema, pa.Schema):
        columns = [{"name": f.name, "type": type_name(f.type), "nullable": f.nullable} for f in schema]
    else:
        columns = [dict(c) for c in schema]
    for column in columns:
        if descriptions and column["name"] in descriptions:
            column["description"] = descriptions[column["name"]]
        if sensitivity_labels and column["name"] in sensitivity_labels:
            column["sensitivity_label"] = sensitivity_labels[column["name"]]
    return columns
