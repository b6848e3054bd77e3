"""The products a caller may see, in one catalog query: what the marketplace lists and counts facets over.

Which products a caller may see is the products capability's rule (`products.reads.listing`, applied in SQL so
10k products list quickly); this module shapes them into cards.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy.orm import Session

from lakemesh.auth.models import Principal
from lakemesh.products.reads import listing, product_ids_by_name
from lakemesh.quality.sla import STATUS_ORDER
from lakemesh.quality.store import last_sla_statuses

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
        for row in listing(session, actor)
    ]


def with_sla_badges(session: Session, cards: list[ProductCard]) -> list[ProductCard]:
    """Each shown card's SLA as last observed (the worst objective); never a fresh measurement."""
    if not cards:
        return cards
    ids = product_ids_by_name(session, [card.qualified_name for card in cards])
    named = {card.qualified_name: card for card in cards}
    by_id = {product_id: named[name] for name, product_id in ids.items()}
    for product_id, status in last_sla_statuses(session, list(by_id)):
        card = by_id[product_id]
        if status not in SLA_ORDER:
            continue
        if card.sla is None or SLA_ORDER[status] > SLA_ORDER[card.sla]:
            card.sla = status
    return cards


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= DESCRIPTION_CHARS else flat[: DESCRIPTION_CHARS - 1] + "…"
