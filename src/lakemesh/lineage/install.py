"""Lineage: the graph, and the downstream consumers it reports for a product's proposed change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakemesh.lineage.impact import change_impact
from lakemesh.lineage.service import LineageService

if TYPE_CHECKING:
    from lakemesh.platform import Platform


def install(platform: Platform) -> None:
    platform.lineage = LineageService(platform.catalog, platform.authorizer, platform.clock)
    platform.products.register_impact_source(change_impact(platform.lineage))
