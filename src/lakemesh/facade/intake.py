"""Intake forms (required product fields) on the in-process `Mesh`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lakemesh.auth.models import Principal
from lakemesh.facade.operation import remote

if TYPE_CHECKING:
    from lakemesh.platform import Platform


class IntakeMethods:
    platform: Platform
    principal: Principal

    @remote("PUT", "/api/v1/domains/{domain}/intake-form", body="schema")
    def set_intake_form(self, domain: str, schema: dict[str, Any]) -> dict[str, Any]:
        """The JSON Schema a product of the domain must satisfy to be published (its Admins)."""
        return self.platform.intake.set_form(self.principal, domain, schema)

    @remote("GET", "/api/v1/domains/{domain}/intake-form")
    def get_intake_form(self, domain: str) -> dict[str, Any]:
        return self.platform.intake.get_form(self.principal, domain)
