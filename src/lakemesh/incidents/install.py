"""Incidents: react to quality, SLA and pipeline events after each write; hold pipelines reading a troubled product."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakemesh.incidents.service import REACTS_TO, IncidentService

if TYPE_CHECKING:
    from lakemesh.platform import Platform


def install(platform: Platform) -> None:
    p = platform
    p.incidents = IncidentService(p.catalog, p.authorizer, p.clock)
    p.catalog.on_events_committed(p.incidents.refresh, REACTS_TO)
    p.pipelines.register_upstream_check(p.incidents.upstream_reasons)
    p.discovery.register_product_flag("has_open_incident", p.incidents.open_products)
    p.scheduler.every(5, "incidents", p.incidents.catch_up)
