"""What lineage shows of sharing: shares as consumers of tables, and their recipients (registered at install)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lakemesh.catalog.tables.sharing import ShareRecipientRow, ShareRow, ShareTableRow


class ShareConsumers:
    def of_tables(self, session: Session, table_ids: Collection[str]) -> list[tuple[str, str]]:
        """(table id, share name) of the shares holding these tables."""
        rows = session.execute(
            select(ShareTableRow.table_id, ShareRow.name)
            .join(ShareRow, ShareRow.id == ShareTableRow.share_id)
            .where(ShareTableRow.table_id.in_(list(table_ids)))
        )
        return [(table_id, share) for table_id, share in rows]

    def recipients(self, session: Session, share_names: Collection[str]) -> list[tuple[str, str]]:
        """(share name, recipient name) of the unrevoked recipients of the shares (names in lower case)."""
        rows = session.execute(
            select(ShareRow.name, ShareRecipientRow.name)
            .join(ShareRow, ShareRow.id == ShareRecipientRow.share_id)
            .where(func.lower(ShareRow.name).in_(list(share_names)), ShareRecipientRow.revoked_at.is_(None))
        )
        return [(share, recipient) for share, recipient in rows]

    def named(self, session: Session, share_names: Collection[str]) -> list[tuple[str, str]]:
        """(share name, domain id) of the named shares (matched case-insensitively)."""
        query = select(ShareRow.name, ShareRow.domain_id).where(
            func.lower(ShareRow.name).in_([n.lower() for n in share_names])
        )
        return [(name, domain_id) for name, domain_id in session.execute(query)]
