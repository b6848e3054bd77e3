"""What a run does around its steps: the template's behaviours (the seed's ingestion template), then the spec's."""

from __future__ import annotations

from typing import Any

from lakemesh.pipelines.models import AlertSpec, Behaviour, LineageSpec, PipelineSpec, RetrySpec
from lakemesh.templates.models import Template

_OFF = {"", "none", "off", "disabled", "false", "no"}


def behaviour_of(spec: PipelineSpec, template: Template | None) -> Behaviour:
    """`error_handling: retry_with_backoff` → retries (3 attempts, exponential backoff with jitter);
    `alerting: on_failure` → an alert event on failure; `lineage_tracking: enabled` → OpenLineage events;
    `logging: <anything but off>` → info-level step logs. The spec's own settings win."""
    config: dict[str, Any] = template.config if template else {}
    retry = spec.retry
    if retry is None:
        custom = config.get("retry")
        if isinstance(custom, dict):
            retry = RetrySpec.model_validate(custom)
        elif str(config.get("error_handling", "")).lower() == "retry_with_backoff":
            retry = RetrySpec()
        else:
            retry = RetrySpec(max_attempts=1)
    alerting = spec.alerting
    if alerting is None and str(config.get("alerting", "")).lower() == "on_failure":
        alerting = AlertSpec()
    lineage = spec.lineage
    if lineage is None and _on(config.get("lineage_tracking")):
        lineage = LineageSpec()
    logging = spec.logging if spec.logging is not None else (_on(config.get("logging")) if template else True)
    return Behaviour(retry=retry, alerting=alerting, lineage=lineage, logging=logging)


def _on(value: Any) -> bool:
    return value is not None and str(value).strip().lower() not in _OFF
