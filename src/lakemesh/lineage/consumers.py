"""Who consumes data, as downstream nodes: grants on products, shares of tables and the shares' recipients.

`product → grant:<id>` (kind `grant`), `table → share:<name>` (kind `share`), `share → recipient:<share>/<name>`
(kind `recipient`). Only grants and recipients in force are shown, and each node only to those who may see it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lakemesh.catalog.tables.access import GrantRow
from lakemesh.catalog.tables.domains import DomainRow
from lakemesh.catalog.tables.products import ProductRow
from lakemesh.catalog.tables.sharing import ShareRecipientRow, ShareRow, ShareTableRow

if TYPE_CHECKING:
    from lakemesh.lineage.structure import Link

CONSUMER_KINDS = ("grant", "share", "recipient")


def consumer_edges(session: Session, nodes: Sequence[str], table_ids: dict[str, str]) -> dict[str, list[Link]]:
    """Downstream consumer edges of the given nodes; `table_ids` maps the visible table nodes to their ids."""
    from lakemesh.lineage.structure import Link  # structure imports the node index, which imports this module

    found: dict[str, list[Link]] = {node: [] for node in nodes}
    products = [n for n in nodes if n.startswith("product:")]
    if products:
        pairs = {tuple(n.removeprefix("product:").split("/", 1)) for n in products}
        rows = session.execute(
            select(DomainRow.slug, ProductRow.slug, GrantRow.id)
            .join(ProductRow, ProductRow.id == GrantRow.product_id)
            .join(DomainRow, DomainRow.id == ProductRow.domain_id)
            .where(
                DomainRow.slug.in_({p[0] for p in pairs}),
                ProductRow.slug.in_({p[-1] for p in pairs}),
                GrantRow.revoked_at.is_(None),
                GrantRow.expired_at.is_(None),
            )
        )
        for domain, slug, grant_id in rows:
            key = f"product:{domain}/{slug}"
            if key in found:
                found[key].append(Link(key, f"grant:{grant_id}", "grant", {}))
    tables = {table_ids[n]: n for n in nodes if n in table_ids}
    if tables:
        shared = session.execute(
            select(ShareTableRow.table_id, ShareRow.name)
            .join(ShareRow, ShareRow.id == ShareTableRow.share_id)
            .where(ShareTableRow.table_id.in_(list(tables)))
        )
        for table_id, share in shared:
            found[tables[table_id]].append(Link(tables[table_id], f"share:{share}", "share", {}))
    shares = {n.removeprefix("share:").lower(): n for n in nodes if n.startswith("share:")}
    if shares:
        recipients = session.execute(
            select(ShareRow.name, ShareRecipientRow.name)
            .join(ShareRow, ShareRow.id == ShareRecipientRow.share_id)
            .where(func.lower(ShareRow.name).in_(list(shares)), ShareRecipientRow.revoked_at.is_(None))
        )
        for share, recipient in recipients:
            node = shares[share.lower()]
            found[node].append(Link(node, f"recipient:{share}/{recipient}", "recipient", {}))
    return found


def grant_rows(session: Session, ids: Sequence[str]) -> list[tuple[GrantRow, str, str]]:
    """Grants with the product's domain id and slug."""
    rows = session.execute(
        select(GrantRow, DomainRow.id, DomainRow.slug)
        .join(ProductRow, ProductRow.id == GrantRow.product_id)
        .join(DomainRow, DomainRow.id == ProductRow.domain_id)
        .where(GrantRow.id.in_(list(ids)))
    )
    return [(g, domain_id, slug) for g, domain_id, slug in rows]


def share_rows(session: Session, names: Sequence[str]) -> list[tuple[str, str, str]]:
    """(share name, domain id, domain slug) of the named shares."""
    rows = session.execute(
        select(ShareRow.name, DomainRow.id, DomainRow.slug)
        .join(DomainRow, DomainRow.id == ShareRow.domain_id)
        .where(func.lower(ShareRow.name).in_([n.lower() for n in names]))
    )
    return [(name, domain_id, slug) for name, domain_id, slug in rows]
