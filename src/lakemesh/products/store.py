"""Catalog lookups for products."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from lakemesh.catalog.tables.products import ProductRow
from lakemesh.core.ids import native_ref
from lakemesh.core.names import slugify
from lakemesh.products.status import BINDING

if TYPE_CHECKING:
    from lakemesh.catalog.tables.lakehouses import TableRow


def find_product(session: Session, domain_id: str, ref: str) -> ProductRow | None:
    return session.scalar(
        select(ProductRow).where(
            ProductRow.domain_id == domain_id,
            (ProductRow.slug == slugify(ref)) | (ProductRow.id == native_ref(ref, "dp")),
        )
    )


def products_on_table(session: Session, table_id: str, statuses: tuple[str, ...]) -> list[ProductRow]:
    return list(
        session.scalars(select(ProductRow).where(ProductRow.table_id == table_id, ProductRow.status.in_(statuses)))
    )


def count_products(session: Session, domain_id: str) -> tuple[str, int]:
    n = session.scalar(select(func.count()).select_from(ProductRow).where(ProductRow.domain_id == domain_id))
    return "products", int(n or 0)


def table_in_use(session: Session, table: TableRow) -> str | None:
    bound = products_on_table(session, table.id, BINDING)
    if not bound:
        return None
    return f"data product {bound[0].name!r} is served from it (retire or rebind the product first)"


def purge_products(session: Session, domain_id: str) -> None:
    session.execute(delete(ProductRow).where(ProductRow.domain_id == domain_id))


def counts_by_domain_and_status(session: Session) -> list[tuple[str, str, int]]:
    """`(domain id, status, count)` over every product, in one aggregate query (the mesh metrics)."""
    rows = session.execute(
        select(ProductRow.domain_id, ProductRow.status, func.count()).group_by(ProductRow.domain_id, ProductRow.status)
    )
    return [(domain_id, status, int(n)) for domain_id, status, n in rows]


def domains_published_since(cutoff: datetime) -> Select[Any]:
    """`domain_id` of products published at or after `cutoff`, for use inside another query."""
    return select(ProductRow.domain_id.label("domain_id")).where(ProductRow.published_at >= cutoff)


def publish_times(session: Session) -> list[tuple[str, datetime, datetime]]:
    """`(domain id, created at, published at)` of every product ever published."""
    rows = session.execute(
        select(ProductRow.domain_id, ProductRow.created_at, ProductRow.published_at).where(
            ProductRow.published_at.is_not(None)
        )
    ).all()
    return [(domain_id, created, at) for domain_id, created, at in rows if at is not None]
