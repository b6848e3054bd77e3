"""The council's use cases in one place: membership, proposals with votes, cases, and the decisions changelog."""

from __future__ import annotations

from typing import Literal

from lakemesh.access.service import AccessService
from lakemesh.auth.authorize import Authorizer
from lakemesh.auth.models import Principal
from lakemesh.catalog import Catalog
from lakemesh.core.clock import Clock
from lakemesh.council.cases import CaseService
from lakemesh.council.decisions import decision_records
from lakemesh.council.models import DecisionRecord
from lakemesh.council.proposals import ProposalService
from lakemesh.council.seats import CouncilSeats
from lakemesh.council.settings import MeshSettings
from lakemesh.governance.service import GovernanceService
from lakemesh.products.service import ProductService


class CouncilService:
    def __init__(
        self,
        catalog: Catalog,
        authorizer: Authorizer,
        clock: Clock,
        *,
        governance: GovernanceService,
        access: AccessService,
        products: ProductService,
        settings: MeshSettings,
        mode: Literal["direct", "council"],
    ) -> None:
        self._catalog = catalog
        self.seats = CouncilSeats(catalog, authorizer, clock, mode=mode)
        self.proposals = ProposalService(catalog, clock, governance, settings)
        self.cases = CaseService(catalog, clock, access, products)

    def decisions(
        self, actor: Principal, *, q: str | None = None, kind: str | None = None, limit: int = 100
    ) -> list[DecisionRecord]:
        """Public to everyone signed in: the mesh's standards and rulings have a history."""
        self.proposals.sweep()
        return decision_records(self._catalog, q=q, kind=kind, limit=limit)
