"""One source for every badge of a product (30.5): the marketplace card and the product page read the same.

Status, version and classification come from the catalog's product row; quality is the latest run's score
(the metrics service's directory); the SLA badge is the worst objective as last observed (the product page
measures first, so its badge is never older than the objectives it lists).
"""

from __future__ import annotations

from lakemesh.auth.models import Principal
from lakemesh.metrics.directory import ProductCard, with_sla_badges
from lakemesh.platform import Platform


def badge_cards(platform: Platform, me: Principal, names: list[str]) -> dict[str, ProductCard]:
    """The badges of the named products the viewer may see, keyed by qualified name."""
    wanted = set(names)
    cards = [card for card in platform.metrics.directory(me) if card.qualified_name in wanted]
    with platform.catalog.read() as session:
        with_sla_badges(session, cards)
    return {card.qualified_name: card for card in cards}


def with_badges(platform: Platform, me: Principal, cards: list[ProductCard]) -> list[ProductCard]:
    """Search hits (whose index may lag) with the badges the product pages show."""
    facts = badge_cards(platform, me, [card.qualified_name for card in cards])
    merged = []
    for card in cards:
        fact = facts.get(card.qualified_name)
        if fact is None:
            merged.append(card)
            continue
        update = {k: getattr(fact, k) for k in ("status", "version", "classification", "quality_score", "sla")}
        merged.append(card.model_copy(update=update))
    return merged
