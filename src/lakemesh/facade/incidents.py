"""Incidents on data products on the in-process `Mesh`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakemesh.auth.models import Principal
from lakemesh.core.validation import parse_model
from lakemesh.facade.operation import remote
from lakemesh.incidents.models import Incident, IncidentUpdate

if TYPE_CHECKING:
    from lakemesh.platform import Platform

INCIDENTS = "/api/v1/products/{domain}/{product}/incidents"


class IncidentMethods:
    platform: Platform
    principal: Principal

    @remote("GET", INCIDENTS, query=("state",))
    def list_incidents(self, domain: str, product: str, *, state: str = "open") -> list[Incident]:
        """The product's incidents, newest first: `open` (default), `resolved` or `all`."""
        return self.platform.incidents.of_product(self.principal, domain, product, state=state)

    @remote("GET", INCIDENTS + "/{incident_id}")
    def get_incident(self, domain: str, product: str, incident_id: str) -> Incident:
        return self.platform.incidents.get(self.principal, domain, product, incident_id)

    @remote("PATCH", INCIDENTS + "/{incident_id}", body=("state", "assignee", "note", "resolution"))
    def update_incident(
        self,
        domain: str,
        product: str,
        incident_id: str,
        *,
        state: str | None = None,
        assignee: str | None = None,
        note: str | None = None,
        resolution: str | None = None,
    ) -> Incident:
        """Acknowledge (`state="acknowledged"`), assign, add a note, or resolve with a `resolution` reason."""
        change = parse_model(
            IncidentUpdate, {"state": state, "assignee": assignee, "note": note, "resolution": resolution}
        )
        return self.platform.incidents.update(self.principal, domain, product, incident_id, change)
