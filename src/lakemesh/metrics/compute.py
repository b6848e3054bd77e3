"""The catalog facts behind each metric, as aggregate queries (one round trip each, fast at 10k products)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session, aliased

from lakemesh.catalog.tables.audit import OutboxRow
from lakemesh.catalog.tables.domains import DomainRow
from lakemesh.catalog.tables.lakehouses import LakehouseRow, TableRow
from lakemesh.catalog.tables.products import ProductRow
from lakemesh.products.status import VISIBLE_TO_ALL

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
    return int(session.scalar(select(func.max(OutboxRow.id))) or 0)


def gather(session: Session, now: datetime) -> CatalogFacts:
    cutoff = now - ACTIVE_WINDOW
    counts = session.execute(
        select(DomainRow.slug, ProductRow.status, func.count())
        .join(DomainRow, DomainRow.id == ProductRow.domain_id)
        .group_by(DomainRow.slug, ProductRow.status)
    )
    products = {(slug, status): int(n) for slug, status, n in counts}
    domains = list(session.scalars(select(DomainRow.slug).order_by(DomainRow.slug)))
    days, recent, first_product = _publish_times(session, cutoff)
    return CatalogFacts(
        products=products,
        domains=domains,
        active_domains=_active_domains(session, cutoff),
        shortcuts_across_domains=_shortcuts_across_domains(session),
        days_to_publish=days,
        days_to_publish_recent=recent,
        days_to_first_product=first_product,
        lakehouses=int(session.scalar(select(func.count()).select_from(LakehouseRow)) or 0),
        lakehouses_from_template=int(
            session.scalar(select(func.count()).select_from(LakehouseRow).where(LakehouseRow.template.is_not(None)))
            or 0
        ),
    )


def _active_domains(session: Session, cutoff: datetime) -> int:
    published = select(ProductRow.domain_id.label("domain_id")).where(ProductRow.published_at >= cutoff)
    written = select(TableRow.domain_id.label("domain_id")).where(TableRow.last_write_at >= cutoff)
    either = union(published, written).subquery()
    return int(session.scalar(select(func.count()).select_from(either)) or 0)


def _shortcuts_across_domains(session: Session) -> int:
    target = aliased(TableRow)
    query = (
        select(func.count())
        .select_from(TableRow)
        .join(target, target.id == TableRow.target_table_id)
        .where(target.domain_id != TableRow.domain_id)
    )
    return int(session.scalar(query) or 0)


def _publish_times(session: Session, cutoff: datetime) -> tuple[list[float], list[float], list[float]]:
    """Days from creation to publish (all, and first published in the window) and from domain to first product."""
    rows = session.execute(
        select(ProductRow.domain_id, ProductRow.created_at, ProductRow.published_at).where(
            ProductRow.published_at.is_not(None)
        )
    ).all()
    published = [(domain_id, created, at) for domain_id, created, at in rows if at is not None]
    days = [_days(at - created) for _, created, at in published]
    recent = [_days(at - created) for _, created, at in published if at >= cutoff]
    firsts: dict[str, datetime] = {}
    for domain_id, _, at in published:
        if domain_id not in firsts or at < firsts[domain_id]:
            firsts[domain_id] = at
    query = select(DomainRow.id, DomainRow.created_at).where(DomainRow.id.in_(list(firsts)))
    created_at: dict[str, datetime] = {row.id: row.created_at for row in session.execute(query)}
    first_product = [_days(firsts[d] - created_at[d]) for d in firsts if d in created_at]
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
