"""OpenLineage RunEvents as accepted by `POST /lineage`, and the lineage graph as returned, shared with the SDK."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

EventType = Literal["START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"]
NodeKind = Literal[
    "table", "product", "pipeline", "step", "semantic_model", "dataset", "job", "grant", "share", "recipient"
]
Direction = Literal["upstream", "downstream", "both"]
MAX_NAME = 500


class _Open(BaseModel):
    """OpenLineage objects carry facets and fields we do not interpret; keep them as sent."""

    model_config = ConfigDict(extra="allow")


class OLRun(_Open):
    runId: str
    facets: dict[str, Any] = Field(default_factory=dict)

    @field_validator("runId")
    @classmethod
    def _uuid(cls, value: str) -> str:
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise ValueError("runId must be a UUID") from None


class OLJob(_Open):
    namespace: str = Field(min_length=1, max_length=MAX_NAME)
    name: str = Field(min_length=1, max_length=MAX_NAME)
    facets: dict[str, Any] = Field(default_factory=dict)


class OLDataset(_Open):
    namespace: str = Field(min_length=1, max_length=MAX_NAME)
    name: str = Field(min_length=1, max_length=MAX_NAME)
    facets: dict[str, Any] = Field(default_factory=dict)


class RunEvent(_Open):
    """An OpenLineage RunEvent (spec 2-0-x): eventTime, run, job and producer are required."""

    eventType: EventType | None = None
    eventTime: datetime
    run: OLRun
    job: OLJob
    inputs: list[OLDataset] = Field(default_factory=list, max_length=1000)
    outputs: list[OLDataset] = Field(default_factory=list, max_length=1000)
    producer: str = Field(min_length=1, max_length=2000)
    schemaURL: str | None = None

    @field_validator("eventTime")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("eventTime needs a timezone (write it as ISO 8601 with Z or an offset)")
        return value


class LineageReceipt(BaseModel):
    id: int
    run_id: str
    event_type: str | None
    job: str
    nodes: list[str] = Field(description="Graph nodes the event touched.")


class GraphNode(BaseModel):
    id: str = Field(description="`table:<domain>.<lakehouse>.<table>`, `product:<domain>/<product>`, ...")
    kind: NodeKind
    name: str
    domain: str | None = None


class GraphEdge(BaseModel):
    source: str
    target: str
    kind: str = Field(description="`lineage` (from runs), `serves`, `input_port` or `shortcut`.")
    columns: dict[str, Any] = Field(default_factory=dict, description="Output column -> input columns.")


class LineageGraph(BaseModel):
    root: str
    direction: Direction
    depth: int
    nodes: list[GraphNode]
    edges: list[GraphEdge]


class ImpactItem(BaseModel):
    node: str
    kind: NodeKind
    columns: list[str] = Field(default_factory=list, description="Columns derived from the changed column.")
    distance: int
    via: list[str] = Field(default_factory=list, description="The nodes between the root and this one, in order.")


class Impact(BaseModel):
    """What is downstream of a node (or one of its columns): what may break if it changes."""

    node: str
    column: str | None
    affected: list[ImpactItem]
