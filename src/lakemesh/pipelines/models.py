"""Pipeline specs (what users write, in YAML or JSON) and the views of pipelines and runs, shared with the SDK."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

StepType = Literal["ingest", "sql", "python", "quality"]
WriteKind = Literal["append", "overwrite", "merge"]


class RunState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


UNFINISHED: frozenset[RunState] = frozenset({RunState.QUEUED, RunState.RUNNING})  # a pipeline with one is busy
FINISHED: frozenset[RunState] = frozenset({RunState.SUCCEEDED, RunState.FAILED, RunState.CANCELLED})
RERUNNABLE: frozenset[RunState] = frozenset({RunState.FAILED, RunState.CANCELLED})  # succeeded: "Run now" instead


class StepState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


_STEP_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RetrySpec(_Strict):
    """Exponential backoff with jitter: wait `initial_delay * 2^n` (at most `max_delay`) plus up to `jitter`."""

    max_attempts: int = Field(default=3, ge=1, le=20)
    initial_delay: str = "1s"
    max_delay: str = "5m"
    jitter: str = "1s"


class AlertSpec(_Strict):
    """On failure a `pipeline.run.failed` event is written once per run; webhooks deliver it from the outbox."""

    on_failure: bool = True
    webhook: str | None = Field(default=None, description="Carried in the event for the webhook consumer.")
    notify: list[str] = Field(default_factory=list, description="Emails to notify, carried in the event.")


class LineageSpec(_Strict):
    enabled: bool = True
    endpoint: str | None = Field(
        default=None, description="Also send the OpenLineage events to this endpoint (must be on the URL allow-list)."
    )


class SourceSpec(_Strict):
    """Where an ingest step reads: files of the lakehouse's `Files/` area, a URL, or a SQL database."""

    files: str | None = Field(default=None, description="Path or glob inside Files/, e.g. `crm/*.csv`.")
    url: str | None = Field(default=None, description="http(s) URL whose host is on the allow-list.")
    database: str | None = Field(default=None, description="SQLAlchemy URL of a database whose host is allowed.")
    query: str | None = Field(default=None, description="The query to run on `database`.")
    format: Literal["csv", "json", "parquet"] | None = Field(default=None, description="Default: from the name.")
    lakehouse: str | None = Field(default=None, description="Lakehouse whose Files/ to read; default the target's.")

    @model_validator(mode="after")
    def _one_source(self) -> SourceSpec:
        given = [k for k in ("files", "url", "database") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one of files, url or database")
        if self.database and not (self.query or "").strip():
            raise ValueError("a database source needs a query")
        return self


class TargetColumn(_Strict):
    description: str | None = None
    sensitivity_label: str | None = None


class TargetSpec(_Strict):
    table: str = Field(description="`table` or `lakehouse.table` of the pipeline's domain.")
    mode: WriteKind = "append"
    merge_keys: list[str] = Field(default_factory=list)
    # Table metadata set before each write, so a policy that asks for a description is met on the first run.
    description: str | None = None
    layer: Literal["bronze", "silver", "gold"] | None = None
    columns: dict[str, TargetColumn] = Field(default_factory=dict, description="Labels and descriptions per column.")

    @model_validator(mode="after")
    def _keys(self) -> TargetSpec:
        if self.mode == "merge" and not self.merge_keys:
            raise ValueError("mode merge needs merge_keys")
        return self


class StepSpec(_Strict):
    name: str
    type: StepType
    depends_on: list[str] | None = Field(
        default=None, description="Steps that must succeed first; default: the step before (and steps it reads from)."
    )
    source: SourceSpec | None = None
    sql: str | None = None
    function: str | None = Field(default=None, description="Name of a registered Python step function.")
    inputs: list[str] = Field(default_factory=list, description="Tables a Python step reads (for lineage, order).")
    params: dict[str, Any] = Field(default_factory=dict)
    product: str | None = Field(default=None, description="Quality gate: the product whose rules to run.")
    target: TargetSpec | None = None
    retry: RetrySpec | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _STEP_NAME.match(value):
            raise ValueError("must start with a letter or '_' and hold only letters, digits, '_' and '-' (max 64)")
        return value

    @model_validator(mode="after")
    def _fields_of_type(self) -> StepSpec:
        required = {"ingest": ("source", "target"), "sql": ("sql", "target"), "python": ("function",)}
        missing = [f for f in required.get(self.type, ("product",)) if not getattr(self, f)]
        if missing:
            raise ValueError(f"a {self.type} step needs {' and '.join(missing)}")
        return self


class PipelineSpec(_Strict):
    """A pipeline: ordered steps in one domain, plus the behaviours its template turns on."""

    name: str
    description: str = ""
    template: str | None = Field(default="ingestion-pipeline-template", description="A DataPipeline template.")
    lakehouse: str | None = Field(default=None, description="Default lakehouse for tables named without one.")
    schedule: str | None = Field(default=None, description="Cron expression (UTC), e.g. `0 6 * * *`.")
    paused: bool = False
    retry: RetrySpec | None = None
    alerting: AlertSpec | None = None
    lineage: LineageSpec | None = None
    logging: bool | None = Field(default=None, description="Store info-level step logs (errors are always kept).")
    on_upstream_incident: Literal["pause", "warn"] | None = Field(
        default=None,
        description="A circuit breaker: when a product this pipeline reads has an open incident, `pause` keeps "
        "the run queued until it is resolved; `warn` runs and logs a warning.",
    )
    steps: list[StepSpec] = Field(min_length=1, max_length=50)


class Behaviour(BaseModel):
    """What a run does around its steps, from the template and the spec together."""

    retry: RetrySpec
    alerting: AlertSpec | None
    lineage: LineageSpec | None
    logging: bool


class Pipeline(BaseModel):
    id: str
    domain: str
    name: str
    slug: str
    qualified_name: str = Field(description="`<domain>/<pipeline>`.")
    version: int
    description: str
    template: str | None
    schedule: str | None
    paused: bool
    next_run_at: datetime | None
    behaviour: Behaviour
    spec: dict[str, Any]
    run_as: str | None
    created_by: str | None
    updated_by: str | None
    created_at: datetime
    updated_at: datetime


class PipelineVersion(BaseModel):
    version: int
    created_at: datetime
    created_by: str | None
    spec: dict[str, Any]


class StepRun(BaseModel):
    model_config = ConfigDict(use_enum_values=True)

    name: str
    type: str
    state: StepState = StepState.PENDING
    attempts: int = 0
    rows_read: int = 0
    rows_written: int = 0
    table: str | None = None
    version: int | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None


class PipelineRun(BaseModel):
    model_config = ConfigDict(use_enum_values=True)

    id: str
    pipeline: str
    domain: str
    pipeline_version: int
    state: RunState
    trigger: Literal["manual", "schedule"]
    scheduled_for: datetime | None
    triggered_by: str | None
    attempts: int = Field(description="Step attempts in total, retries included.")
    retries: int = Field(default=0, description="Attempts beyond each step's first; 0 when every step ran once.")
    rows_read: int
    rows_written: int
    duration_ms: int | None
    steps: list[StepRun]
    outputs: list[dict[str, Any]] = Field(description="Tables written and the Delta version each step produced.")
    error: str | None
    cancel_requested: bool
    rerun_of: str | None = Field(default=None, description="The failed or cancelled run this run re-runs.")
    rerun_by: list[str] = Field(default_factory=list, description="Runs started again from this one, oldest first.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class RunLogLine(BaseModel):
    id: int
    at: datetime
    level: str
    step: str | None
    attempt: int | None
    message: str


class RunRequest(_Strict):
    wait: bool = Field(default=False, description="Run in the request and return the finished run.")
