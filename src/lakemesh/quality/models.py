"""What the API returns about quality runs, schedules and SLA status (shared with the SDK)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

RunStatus = Literal["passed", "failed", "errored"]
RunMode = Literal["full", "incremental"]
RunTrigger = Literal["manual", "scheduled"]
ObjectiveStatus = Literal["met", "at_risk", "breached", "unknown"]
ObjectiveName = Literal["freshness", "quality_score", "availability"]


class RuleOutcome(BaseModel):
    """One rule's result in a run. `samples` is None when the caller may not see rows of the table."""

    name: str
    rule: str
    kind: str
    check: str
    severity: str
    passed_rows: int
    failed_rows: int
    pass_rate: float = Field(description="Share of evaluated rows that passed, 0..1 (1.0 on an empty table).")
    threshold: float
    passed: bool
    observed: Any = Field(default=None, description="Dataset rules: the row count, duplicates or newest value.")
    samples: list[dict[str, Any]] | None = None


class QualityRun(BaseModel):
    id: str
    product: str = Field(description="`<domain>/<product>`.")
    product_version: str
    table: str
    table_version: int | None = Field(description="The Delta version that was checked.")
    from_version: int | None = Field(
        default=None, description="Incremental runs: the version checked before; only data added since was read."
    )
    mode: RunMode
    mode_reason: str = ""
    trigger: RunTrigger
    status: RunStatus
    started_at: datetime
    finished_at: datetime
    total_rows: int
    score: float | None = Field(description="Percentage of rules that passed, as in the seed.")
    weighted_score: float | None = Field(description="Percentage of evaluated rows that passed.")
    rules: list[RuleOutcome]
    error: str | None = None
    actor: str | None = None


class QualityRunRequest(BaseModel):
    """`POST .../quality-runs`: run the product's rules now."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["auto", "full"] = Field(
        default="auto", description="`auto` checks only appended data when the table is append-only; `full` reads all."
    )
    sample_limit: int = Field(default=10, ge=0, le=100, description="Failing rows to return per failed rule.")


class QualitySchedule(BaseModel):
    product: str
    cron: str = Field(description="Five-field cron expression in UTC, e.g. `0 6 * * *`.")
    enabled: bool
    next_run_at: datetime
    last_run_at: datetime | None


class ScheduleSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cron: str
    enabled: bool = True


class SlaObjective(BaseModel):
    name: ObjectiveName
    target: str = Field(description="As written in the contract: `24h`, `95%`, `99.9%`.")
    current: str | None = Field(description="The measured value, written like the target.")
    value: float | None = Field(description="Freshness: age in seconds; the others: a percentage.")
    status: ObjectiveStatus
    since: datetime | None = Field(description="When the objective entered its current status.")
    detail: str = ""


class SlaStatus(BaseModel):
    product: str
    status: ObjectiveStatus = Field(description="The worst status of the objectives.")
    checked_at: datetime
    objectives: list[SlaObjective]
