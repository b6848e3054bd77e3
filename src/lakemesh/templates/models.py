"""Template documents as the seed writes them (`domain-lakehouse-template`, `ingestion-pipeline-template`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

LAKEHOUSE_TEMPLATE = "domain-lakehouse-template"
PIPELINE_TEMPLATE = "ingestion-pipeline-template"

BUILTIN_TEMPLATES: dict[str, dict[str, Any]] = {
    LAKEHOUSE_TEMPLATE: {
        "type": "Lakehouse",
        "config": {
            "layers": ["bronze", "silver", "gold"],
            "default_format": "delta",
            "retention_days": 90,
            "auto_vacuum": True,
        },
        "governance": {
            "sensitivity_classification": "required",
            "data_steward": "required",
            "documentation": "required",
        },
    },
    PIPELINE_TEMPLATE: {
        "type": "DataPipeline",
        "config": {
            "error_handling": "retry_with_backoff",
            "alerting": "on_failure",
            "logging": "enabled",
            "lineage_tracking": "enabled",
        },
    },
}


class TemplateDocument(BaseModel):
    """The body of `PUT /templates/{name}`: a `type`, its `config`, and optional `governance` requirements."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(description="What the template creates: `Lakehouse` or `DataPipeline`.")
    config: dict[str, Any] = Field(default_factory=dict)
    governance: dict[str, str] = Field(
        default_factory=dict, description="Requirements checked on creation, e.g. `data_steward: required`."
    )
    description: str = ""


class Template(TemplateDocument):
    name: str
    version: int
    builtin: bool
    created_at: datetime
    updated_at: datetime
    updated_by: str | None = None
    usage_count: int = Field(default=0, description="Lakehouses and pipelines created from it (self-serve adoption).")


class TemplateVersion(BaseModel):
    """One stored version of a template (`GET /templates/{name}/versions`), newest first."""

    version: int
    document: dict[str, Any]
    created_by: str | None = None
    created_at: datetime
