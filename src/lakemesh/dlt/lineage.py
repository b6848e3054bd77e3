"""The OpenLineage event of one dlt load into one table: the job is the dlt pipeline, the run is the load id."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from lakemesh.core.names import slugify

PRODUCER = "https://github.com/lakemesh/lakemesh/dlt"
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent"
_ERROR_FACET = "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet"


def job_name(pipeline: str) -> str:
    return f"dlt.{pipeline}"


def load_event(
    event_type: str,
    domain: str,
    table: str,
    pipeline: str,
    load_id: str,
    resource: str,
    error: Exception | None = None,
) -> dict[str, Any]:
    """One event per table a load writes, all of a load under one run id, so the load is one run of the job."""
    facets: dict[str, Any] = {}
    if error is not None:
        facets["errorMessage"] = {
            "_producer": PRODUCER,
            "_schemaURL": _ERROR_FACET,
            "message": str(error)[:4000],
            "programmingLanguage": "python",
        }
    return {
        "eventType": event_type,
        "eventTime": datetime.now(UTC).isoformat(),
        "run": {"runId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"dlt:{pipeline}:{load_id}")), "facets": facets},
        "job": {"namespace": slugify(domain), "name": job_name(pipeline), "facets": {}},
        "inputs": [{"namespace": f"dlt.{pipeline}", "name": resource, "facets": {}}],
        "outputs": [{"namespace": "lakemesh", "name": table.lower(), "facets": {}}],
        "producer": PRODUCER,
        "schemaURL": SCHEMA_URL,
    }
