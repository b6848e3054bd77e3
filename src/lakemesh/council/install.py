"""The council: built on governance (policies it changes), access (grants it decides) and products (ownership)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakemesh.council.notices import CouncilNotices
from lakemesh.council.service import CouncilService
from lakemesh.council.settings import MeshSettings

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
        settings=MeshSettings(p.templates, p.reads, p.intake, p.glossary),
        mode=p.settings.governance_mode,
    )
    if p.settings.governance_mode == "council":  # the direct endpoints answer 409, pointing at proposals
        p.templates.governed_by_council = p.reads.governed_by_council = p.intake.governed_by_council = True
        p.glossary.governed_by_council = True  # approved GLOBAL terms change by proposal
    p.subscriptions.notice_sources.append(CouncilNotices(p.catalog))
    p.scheduler.every(30, "council-proposals", p.council.proposals.sweep)
