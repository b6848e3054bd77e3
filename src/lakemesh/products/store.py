"""Catalog lookups for products."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select
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
