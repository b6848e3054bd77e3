"""The council: built on governance (policies it changes), access (grants it decides) and products (ownership)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakemesh.council.service import CouncilService

if TYPE_CHECKING:
    from lakemesh.platform import Platform


def install(platform: Platform) -> None:
    p = platform
    p.council = CouncilService(
        p.catalog,
        p.authorizer,
        p.clock,
        governance=p.governance,
        access=p.access,
        products=p.products,
        mode=p.settings.governance_mode,
    )
    p.scheduler.every(30, "council-proposals", p.council.proposals.sweep)
