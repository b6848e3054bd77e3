"""Incidents on a data product: the list, one incident, and acknowledging, assigning or resolving it."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from lakemesh.api.deps import Caller, PlatformDep
from lakemesh.incidents.models import Incident, IncidentUpdate

router = APIRouter(tags=["incidents"])
INCIDENTS = "/api/v1/products/{domain}/{product}/incidents"


@router.get(
    INCIDENTS,
    summary="The product's incidents, newest first",
    description="Opened by a failed quality run, an SLA breach or a failed pipeline feeding the product; one open "
    "incident per cause. Everyone who may see the product reads them.",
)
def list_incidents(
    domain: str,
    product: str,
    platform: PlatformDep,
    caller: Caller,
    state: Annotated[Literal["open", "resolved", "all"], Query()] = "open",
) -> list[Incident]:
    return platform.incidents.of_product(caller, domain, product, state=state)


@router.get(f"{INCIDENTS}/{{incident_id}}", summary="One incident with its timeline")
def get_incident(domain: str, product: str, incident_id: str, platform: PlatformDep, caller: Caller) -> Incident:
    return platform.incidents.get(caller, domain, product, incident_id)


@router.patch(
    f"{INCIDENTS}/{{incident_id}}",
    summary="Acknowledge, assign, note or resolve an incident",
    description="Contributors and above of the product's domain. Resolving needs a `resolution` reason; a resolved "
    "incident is closed (409): a new failure opens a new one.",
)
def update_incident(
    domain: str, product: str, incident_id: str, change: IncidentUpdate, platform: PlatformDep, caller: Caller
) -> Incident:
    return platform.incidents.update(caller, domain, product, incident_id, change)
