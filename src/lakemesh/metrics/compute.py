"""The catalog facts behind each metric, as aggregate queries (one round trip each, fast at 10k products)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from lakemesh.catalog.outbox import newest_event
from lakemesh.domains.service import domain_rows
from lakemesh.lakehouses.store import domains_written_since, lakehouse_counts, shortcuts_across_domains
from lakemesh.products.status import VISIBLE_TO_ALL
from lakemesh.products.store import counts_by_domain_and_status, domains_published_since, publish_times

ACTIVE_WINDOW = timedelta(days=30)
# Statuses everyone may see; drafts and retired products count only for their own domain's members.


@dataclass(frozen=True)
class CatalogFacts:
    """Everything the metrics need from the catalog, unfiltered; filtering per caller happens after."""

    products: dict[tuple[str, str], int]  # (domain slug, status) -> count
    domains: list[str]  # slugs
    active_domains: int
    shortcuts_across_domains: int
    days_to_publish: list[float]
    days_to_publish_recent: list[float]
    days_to_first_product: list[float]
    lakehouses: int
    lakehouses_from_template: int
    quality_scores: dict[str, float] = field(default_factory=dict)  # product -> latest score
    # What other capabilities contribute (filled by the metrics service, cached with the rest).
    shares: dict[str, int | None] = field(default_factory=dict)
    ratios: dict[str, list[tuple[float, float]]] = field(default_factory=dict)


def change_marker(session: Session) -> int:
    """The newest outbox id: every catalog mutation writes one, so an unchanged marker means unchanged facts."""
    return newest_event(session)


def gather(session: Session, now: datetime) -> CatalogFacts:
    cutoff = now - ACTIVE_WINDOW
    domain_rows_ = domain_rows(session)  # by slug
    slugs = {d.id: d.slug for d in domain_rows_}
    products = {(slugs[d], status): n for d, status, n in counts_by_domain_and_status(session) if d in slugs}
    days, recent, first_product = _publish_times(session, cutoff, {d.id: d.created_at for d in domain_rows_})
    lakehouses, from_template = lakehouse_counts(session)
    return CatalogFacts(
        products=products,
        domains=[d.slug for d in domain_rows_],
        active_domains=_active_domains(session, cutoff),
        shortcuts_across_domains=shortcuts_across_domains(session),
        days_to_publish=days,
        days_to_publish_recent=recent,
        days_to_first_product=first_product,
        lakehouses=lakehouses,
        lakehouses_from_template=from_template,
    )


def _active_domains(session: Session, cutoff: datetime) -> int:
    either = union(domains_published_since(cutoff), domains_written_since(cutoff)).subquery()
    return int(session.scalar(select(func.count()).select_from(either)) or 0)


def _publish_times(
    session: Session, cutoff: datetime, domain_created: dict[str, datetime]
) -> tuple[list[float], list[float], list[float]]:
    """Days from creation to publish (all, and first published in the window) and from domain to first product."""
    published = publish_times(session)
    days = [_days(at - created) for _, created, at in published]
    recent = [_days(at - created) for _, created, at in published if at >= cutoff]
    firsts: dict[str, datetime] = {}
    for domain_id, _, at in published:
        if domain_id not in firsts or at < firsts[domain_id]:
            firsts[domain_id] = at
    first_product = [_days(firsts[d] - domain_created[d]) for d in firsts if d in domain_created]
    return days, recent, first_product


def _days(delta: timedelta) -> float:
    return max(delta.total_seconds(), 0.0) / 86400


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def visible_counts(
    products: dict[tuple[str, str], int], *, everything: bool, own_domains: set[str]
) -> dict[tuple[str, str], int]:
    """The (domain, status) counts the caller may see: all for platform admins, else public ones plus their own."""
    if everything:
        return dict(products)
    return {k: n for k, n in products.items() if k[1] in VISIBLE_TO_ALL or k[0] in own_domains}
