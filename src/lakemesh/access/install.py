"""Access: grants answer the authorizer, reads are masked, governed SQL; usage agreements name what a grant was
given for; jobs sweep expired grants and send agreements' renewal notices."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakemesh.access.agreements import AgreementService
from lakemesh.access.query import QueryService
from lakemesh.access.reads import ReadGovernor
from lakemesh.access.service import AccessService
from lakemesh.access.store import GrantConsumers

if TYPE_CHECKING:
    from lakemesh.platform import Platform


def install(platform: Platform) -> None:
    p = platform
    p.reads = ReadGovernor(p.catalog, p.authorizer, p.clock, p.keys)
    p.access = AccessService(p.catalog, p.authorizer, p.clock, p.reads)
    p.query = QueryService(
        p.catalog, p.authorizer, p.clock, p.tables, p.reads,
        memory_limit=p.settings.query_memory_limit, spill_directory=str(p.settings.spill_directory),
    )  # fmt: skip
    p.agreements = AgreementService(p.catalog, p.authorizer, p.clock)
    p.products.register_agreement_source(p.agreements.touched_by)
    p.authorizer.register_grant_source(p.access.grant_allows)
    p.table_data.register_read_transform(p.reads.read_transform)
    p.lineage.register_grants(GrantConsumers())
    p.scheduler.every(60, "access-grant-expiry", p.access.sweep_expired)
    p.scheduler.every(600, "agreement-renewal-notices", p.agreements.send_renewal_notices)
