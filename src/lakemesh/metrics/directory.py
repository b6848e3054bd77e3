"""The products a caller may see, in one catalog query: what the marketplace lists and counts facets over.

Published and deprecated products are visible to everyone; other statuses only to their domain's members and
platform admins (the same rule as the products service, applied in SQL so 10k products list quickly).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lakemesh.auth import assignments
from lakemesh.auth.models import Principal
from lakemesh.catalog.tables.domains import DomainRow
from lakemesh.catalog.tables.products import ProductRow
from lakemesh.catalog.tables.quality import SlaStateRow
from lakemesh.products.status import VISIBLE_TO_ALL
from lakemesh.quality.sla import STATUS_ORDER

DESCRIPTION_CHARS = 280
SLA_ORDER = STATUS_ORDER  # the product page's overall status ranks the same way: "unknown" beats "met"


class ProductCard(BaseModel):
    qualified_name: str
    name: str
    domain: str
    owner: str
    description: str
    tags: list[str]
    classification: str | None
    status: str
    version: str
    updated_at: datetime
    quality_score: float | None = None
    sla: str | None = None


def visible_products(session: Session, actor: Principal) -> list[ProductCard]:
    query = (
        select(
            ProductRow.name,
            ProductRow.slug,
            DomainRow.slug.label("domain"),
            ProductRow.owner,
            ProductRow.description,
            ProductRow.tags,
            ProductRow.classification,
            ProductRow.status,
            ProductRow.version,
            ProductRow.updated_at,
        )
        .join(DomainRow, DomainRow.id == ProductRow.domain_id)
        .order_by(ProductRow.name, DomainRow.slug)
    )
    if not actor.is_platform_admin:
        own = list(assignments.domains_of(session, actor.id))
        query = query.where(or_(ProductRow.status.in_(VISIBLE_TO_ALL), ProductRow.domain_id.in_(own)))
    return [
        ProductCard(
            qualified_name=f"{row.domain}/{row.slug}",
            name=row.name,
            domain=row.domain,
            owner=row.owner,
            description=_short(row.description or ""),
            tags=list(row.tags or []),
            classification=row.classification,
            status=row.status,
            version=row.version,
            updated_at=row.updated_at,
        )
        for row in session.execute(query)
    ]


def with_sla_badges(session: Session, cards: list[ProductCard]) -> list[ProductCard]:
    """Each shown card's SLA as last observed (the worst objective); one query, never a fresh measurement."""
    if not cards:
        return cards
    wanted = {card.qualified_name: card for card in cards}
    rows = session.execute(
        select(DomainRow.slug, ProductRow.slug, SlaStateRow.status)
        .join(ProductRow, ProductRow.id == SlaStateRow.product_id)
        .join(DomainRow, DomainRow.id == ProductRow.domain_id)
        .where(ProductRow.slug.in_(sorted({c.qualified_name.split("/", 1)[1] for c in cards})))
    )
    for domain, slug, status in rows:
        card = wanted.get(f"{domain}/{slug}")
        if card is None or status not in SLA_ORDER:
            continue
        if card.sla is None or SLA_ORDER[status] > SLA_ORDER[card.sla]:
            card.sla = status
    return cards


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= DESCRIPTION_CHARS else flat[: DESCRIPTION_CHARS - 1] + "…"
