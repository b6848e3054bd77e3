"""Sharing: shortcuts inside the mesh, and shares, profiles and the Delta Sharing server for outsiders."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakemesh.sharing.exposure import MaskedColumns
from lakemesh.sharing.lineage import ShareConsumers
from lakemesh.sharing.profiles import SharingProfiles
from lakemesh.sharing.protocol import DeltaSharingServer
from lakemesh.sharing.shares import ShareService, outsider
from lakemesh.sharing.shortcuts import ShortcutService
from lakemesh.sharing.tokens import UrlSigner

if TYPE_CHECKING:
    from lakemesh.platform import Platform


def install(platform: Platform) -> None:
    p = platform
    reads = p.reads
    masked: MaskedColumns = lambda session, handle: reads.plan(outsider(), handle, session).masked_columns  # noqa: E731
    p.shortcuts = ShortcutService(p.catalog, p.authorizer, p.clock, p.lakehouses, p.tables)
    p.shares = ShareService(p.catalog, p.authorizer, p.clock, p.domains, p.lakehouses, p.tables, masked_columns=masked)
    p.sharing_profiles = SharingProfiles(p.catalog, p.clock, p.tables, p.reads)
    signer = UrlSigner(p.catalog, p.clock, p.keys)
    p.sharing = DeltaSharingServer(
        p.catalog, p.clock, p.tables, signer, masked_columns=masked, profiles=p.sharing_profiles
    )
    p.lineage.register_shares(ShareConsumers())
