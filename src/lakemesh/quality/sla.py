"""SLA objectives from the contract's `sla`, judged against what was measured.

- freshness: time since the table's last commit vs the target (`24h`); at risk past 80% of it.
- quality_score: the latest completed run's score (% of rules passed) vs the target (`95%`).
- availability: the share of runs in the last 30 days that could read the table vs the target (`99.9%`).

A percentage objective is at risk when it is met but more than half of its error budget is used
(for 95%: below 97.5%). With nothing measured yet an objective is `unknown`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from lakemesh.products.contract import SlaSpec
from lakemesh.quality.models import ObjectiveName, ObjectiveStatus, SlaObjective

WINDOW = timedelta(days=30)
FRESHNESS_AT_RISK = 0.8
_ORDER: dict[ObjectiveStatus, int] = {"breached": 3, "at_risk": 2, "unknown": 1, "met": 0}
# Worst wins; the marketplace's SLA badge ranks with the same order.
STATUS_ORDER: dict[str, int] = {str(k): v for k, v in _ORDER.items()}


@dataclass(frozen=True)
class Evidence:
    """What the objectives are judged on."""

    last_commit_at: datetime | None
    table_error: str | None
    latest_score: float | None
    runs_in_window: int
    readable_runs_in_window: int


def evaluate(sla: SlaSpec, evidence: Evidence, now: datetime) -> list[SlaObjective]:
    """Each objective the contract promises; `since` is set only where it follows from the evidence itself."""
    objectives: list[SlaObjective] = []
    if sla.freshness and sla.freshness_delta is not None:
        objectives.append(_freshness(sla.freshness, sla.freshness_delta, evidence, now))
    if sla.quality_score and sla.quality_score_fraction is not None:
        objectives.append(
            _percentage("quality_score", sla.quality_score, sla.quality_score_fraction, evidence.latest_score)
        )
    if sla.availability and sla.availability_fraction is not None:
        share = 100 * evidence.readable_runs_in_window / evidence.runs_in_window if evidence.runs_in_window else None
        objective = _percentage("availability", sla.availability, sla.availability_fraction, share)
        detail = (
            f"{evidence.readable_runs_in_window} of {evidence.runs_in_window} checks in the last 30 days read the table"
        )
        objectives.append(
            objective.model_copy(update={"detail": detail if evidence.runs_in_window else objective.detail})
        )
    return objectives


def overall(objectives: Sequence[SlaObjective]) -> ObjectiveStatus:
    if not objectives:
        return "met"
    return max((o.status for o in objectives), key=lambda status: _ORDER[status])


def _freshness(target: str, limit: timedelta, evidence: Evidence, now: datetime) -> SlaObjective:
    if evidence.last_commit_at is None:
        detail = f"the table cannot be read: {evidence.table_error}" if evidence.table_error else "no data yet"
        status: ObjectiveStatus = "breached" if evidence.table_error else "unknown"
        return SlaObjective(
            name="freshness", target=target, current=None, value=None, status=status, since=None, detail=detail
        )
    age = max(now - evidence.last_commit_at, timedelta(0))
    if age > limit:
        status, since = "breached", evidence.last_commit_at + limit
    elif age > limit * FRESHNESS_AT_RISK:
        status, since = "at_risk", evidence.last_commit_at + limit * FRESHNESS_AT_RISK
    else:
        status, since = "met", evidence.last_commit_at
    return SlaObjective(
        name="freshness",
        target=target,
        current=format_age(age),
        value=round(age.total_seconds(), 3),
        status=status,
        since=since,
        detail=f"last commit at {evidence.last_commit_at.isoformat()}",
    )


def _percentage(name: ObjectiveName, target: str, fraction: float, value: float | None) -> SlaObjective:
    if value is None:
        return SlaObjective(
            name=name, target=target, current=None, value=None, status="unknown", since=None, detail="not measured yet"
        )
    share = value / 100
    status: ObjectiveStatus = "met"
    if share < fraction:
        status = "breached"
    elif share < fraction + (1 - fraction) / 2:
        status = "at_risk"
    return SlaObjective(name=name, target=target, current=f"{value:g}%", value=value, status=status, since=None)


def format_age(age: timedelta) -> str:
    seconds = age.total_seconds()
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / 86400:.1f}d"
