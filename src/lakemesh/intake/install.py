"""Intake: required product fields as a JSON Schema per domain, checked when a product is published."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakemesh.intake.service import IntakeService

if TYPE_CHECKING:
    from lakemesh.platform import Platform


def install(platform: Platform) -> None:
    platform.intake = IntakeService(platform.catalog, platform.authorizer, platform.clock)
    platform.products.register_lifecycle_check(platform.intake.check)
