"""Who consumes data, as downstream nodes: grants on products, shares of tables and the shares' recipients.

`product → grant:<id>` (kind `grant`), `table → share:<name>` (kind `share`), `share → recipient:<share>/<name>`
(kind `recipient`). Only grants and recipients in force are shown, and each node only to those who may see it.
Grants and shares are read through what access and sharing registered (`lineage.sources`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from lakemesh.domains.service import domain_slugs_of
from lakemesh.lineage.sources import LineageSources
from lakemesh.products.reads import product_ids_by_name, products_by_ids

if TYPE_CHECKING:
    from lakemesh.lineage.structure import Link

CONSUMER_KINDS = ("grant", "share", "recipient")


def consumer_edges(
    session: Session, sources: LineageSources, nodes: Sequence[str], table_ids: dict[str, str]
) -> dict[str, list[Link]]:
    """Downstream consumer edges of the given nodes; `table_ids` maps the visible table nodes to their ids."""
    from lakemesh.lineage.structure import Link  # structure imports the node index, which imports this module

    found: dict[str, list[Link]] = {node: [] for node in nodes}
    products = [n.removeprefix("product:") for n in nodes if n.startswith("product:")]
    if products and sources.grants is not None:
        keys = {product_id: f"product:{name}" for name, product_id in product_ids_by_name(session, products).items()}
        for product_id, grant_id in sources.grants.in_force(session, list(keys)):
            key = keys[product_id]
            if key in found:
                found[key].append(Link(key, f"grant:{grant_id}", "grant", {}))
    tables = {table_ids[n]: n for n in nodes if n in table_ids}
    if tables and sources.shares is not None:
        for table_id, share in sources.shares.of_tables(session, list(tables)):
            found[tables[table_id]].append(Link(tables[table_id], f"share:{share}", "share", {}))
    shares = {n.removeprefix("share:").lower(): n for n in nodes if n.startswith("share:")}
    if shares and sources.shares is not None:
        for share, recipient in sources.shares.recipients(session, list(shares)):
            node = shares[share.lower()]
            found[node].append(Link(node, f"recipient:{share}/{recipient}", "recipient", {}))
    return found


def grant_facts(
    session: Session, sources: LineageSources, ids: Sequence[str]
) -> list[tuple[str, str, str, str, str, str]]:
    """(grant id, grantee kind, grantee id, grantee, product's domain id, its slug) of the grants with these ids."""
    if sources.grants is None:
        return []
    grants = list(sources.grants.by_ids(session, ids))
    products = products_by_ids(session, {product_id for _, product_id, *_ in grants})
    found = []
    for grant_id, product_id, grantee_kind, grantee_id, grantee in grants:
        if product_id in products:
            domain = products[product_id][1]
            found.append((grant_id, grantee_kind, grantee_id, grantee, domain.id, domain.slug))
    return found


def share_facts(session: Session, sources: LineageSources, names: Sequence[str]) -> list[tuple[str, str, str]]:
    """(share name, domain id, domain slug) of the named shares."""
    if sources.shares is None:
        return []
    shares = list(sources.shares.named(session, names))
    slugs = domain_slugs_of(session, {domain_id for _, domain_id in shares})
    return [(name, domain_id, slugs[domain_id]) for name, domain_id in shares if domain_id in slugs]
