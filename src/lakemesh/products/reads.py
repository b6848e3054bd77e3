"""What other capabilities may ask about products: found by reference, and visible to whom. One definition of each."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import Row, Select, Subquery, func, or_, select
from sqlalchemy.orm import Session

from lakemesh.auth import assignments
from lakemesh.auth.authorize import Authorizer, Reader, Resource
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.catalog.tables.domains import DomainRow
from lakemesh.catalog.tables.products import ProductRow
from lakemesh.core.names import slugify
from lakemesh.domains.service import find_domain_row
from lakemesh.products.status import VISIBLE_TO_ALL
from lakemesh.products.store import find_product


def product_resource(row: ProductRow, domain: DomainRow) -> Resource:
    return Resource("product", f"{domain.slug}/{row.slug}", domain.id, visible=row.status in VISIBLE_TO_ALL)


def may_see(authz: Authorizer, actor: Principal, product: ProductRow, domain: DomainRow, session: Reader) -> bool:
    """Published and deprecated products are seen by everyone (no role lookup); drafts and retired ones by their
    domain."""
    return product.status in VISIBLE_TO_ALL or authz.can(
        actor, Action.ITEM_READ, product_resource(product, domain), session
    )


def visible_product(
    session: Session, authz: Authorizer, actor: Principal, domain_ref: str, ref: str
) -> tuple[ProductRow, DomainRow] | None:
    """`domain/product` when `actor` may see it; None when it is missing or hidden (callers answer both alike)."""
    domain = find_domain_row(session, domain_ref)
    product = find_product(session, domain.id, ref) if domain else None
    if domain is None or product is None or not may_see(authz, actor, product, domain, session):
        return None
    return product, domain


def visible_products_named(
    session: Session, authz: Authorizer, actor: Principal, ref: str
) -> list[tuple[ProductRow, DomainRow]]:
    """Every product called `ref` in any domain that `actor` may see (a bare name may be ambiguous)."""
    rows = session.execute(
        select(ProductRow, DomainRow)
        .join(DomainRow, DomainRow.id == ProductRow.domain_id)
        .where(ProductRow.slug == slugify(ref))
    ).all()
    return [(p, d) for p, d in rows if may_see(authz, actor, p, d, session)]


def product_by_id(session: Session, product_id: str) -> tuple[ProductRow, DomainRow] | None:
    """The product and its domain, for consumers of outbox events that name a product by id."""
    row = session.execute(
        select(ProductRow, DomainRow)
        .join(DomainRow, DomainRow.id == ProductRow.domain_id)
        .where(ProductRow.id == product_id)
    ).first()
    return (row[0], row[1]) if row is not None else None


def products_on_tables(session: Session, tables: list[str]) -> list[tuple[ProductRow, DomainRow]]:
    """Products bound to any of `tables` (`domain.lakehouse.table`, matched case-insensitively)."""
    wanted = {t.lower() for t in tables}
    domains = {t.split(".", 1)[0] for t in wanted}
    rows = session.execute(
        select(ProductRow, DomainRow)
        .join(DomainRow, DomainRow.id == ProductRow.domain_id)
        .where(DomainRow.slug.in_(domains))
    ).all()
    found = []
    for product, domain in rows:
        storage = (product.spec or {}).get("storage") or {}
        name = f"{domain.slug}.{storage.get('lakehouse', '')}.{storage.get('table', '')}".lower()
        if name in wanted:
            found.append((product, domain))
    return found


def served_products() -> Subquery:
    """The products a grant serves (published or deprecated) as a subquery of `id, domain_id, slug, table_id`:
    the one definition other capabilities join their grants against, so none re-states which statuses serve."""
    return (
        select(ProductRow.id, ProductRow.domain_id, ProductRow.slug, ProductRow.table_id)
        .where(ProductRow.status.in_(VISIBLE_TO_ALL))
        .subquery("served_products")
    )


def product_ids_owned_by(owners: Iterable[str]) -> Select[Any]:
    """Ids of the products whose owner is one of `owners` (names as stored), for use inside another query."""
    return select(ProductRow.id).where(ProductRow.owner.in_(list(owners)))


def product_specs_on_table(reader: Reader, table_id: str) -> list[dict[str, Any]]:
    """The documents of every product bound to the table, whatever its status (labels and enums its contracts set)."""
    return [spec or {} for (spec,) in reader.execute(select(ProductRow.spec).where(ProductRow.table_id == table_id))]


def product_slugged(session: Session, domain_id: str, slugs: list[str]) -> ProductRow | None:
    """The domain's product with one of `slugs` (exact, no id, no slugify): names written as SQL identifiers."""
    return session.scalar(select(ProductRow).where(ProductRow.domain_id == domain_id, ProductRow.slug.in_(slugs)))


def products_by_ids(session: Session, product_ids: Iterable[str]) -> dict[str, tuple[ProductRow, DomainRow]]:
    """Each product (with its domain) by id, in one query; ids of products that are gone are absent."""
    wanted = set(product_ids)
    if not wanted:
        return {}
    rows = session.execute(
        select(ProductRow, DomainRow)
        .join(DomainRow, DomainRow.id == ProductRow.domain_id)
        .where(ProductRow.id.in_(wanted))
    ).all()
    return {p.id: (p, d) for p, d in rows}


def listing(session: Session, actor: Principal) -> list[Row[Any]]:
    """Every product `actor` may see as plain rows (`id, name, slug, domain, owner, description, tags,
    classification, status, version, updated_at`), in one query: the visibility rule of `may_see`, applied in SQL
    so a marketplace of 10k products lists quickly."""
    query = (
        select(
            ProductRow.id,
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
    return list(session.execute(query))


def product_ids_by_name(session: Session, qualified_names: Collection[str]) -> dict[str, str]:
    """`<domain>/<product>` → product id, for the names that exist (no visibility check: callers pass names they
    were shown)."""
    slugs = sorted({name.split("/", 1)[-1] for name in qualified_names})
    if not slugs:
        return {}
    rows = session.execute(
        select(DomainRow.slug, ProductRow.slug, ProductRow.id)
        .join(DomainRow, DomainRow.id == ProductRow.domain_id)
        .where(ProductRow.slug.in_(slugs))
    )
    wanted = set(qualified_names)
    return {f"{d}/{p}": i for d, p, i in rows if f"{d}/{p}" in wanted}


def product_count(session: Session) -> int:
    """How many products there are, in every state."""
    return int(session.scalar(select(func.count()).select_from(ProductRow)) or 0)


def products_slugged(
    session: Session, domain_slugs: Collection[str], slugs: Collection[str]
) -> list[tuple[str, str, str, str | None, str, str]]:
    """(name, slug, status, table id, domain id, domain slug) of the products with these slugs in these domains
    (every combination: callers keep the ones they asked for). No visibility check: callers apply `may_see`'s
    rule to each."""
    query = (
        select(ProductRow.name, ProductRow.slug, ProductRow.status, ProductRow.table_id, DomainRow.id, DomainRow.slug)
        .join(DomainRow, DomainRow.id == ProductRow.domain_id)
        .where(DomainRow.slug.in_(set(domain_slugs)), ProductRow.slug.in_(set(slugs)))
    )
    return [
        (name, slug, status, table, domain_id, domain)
        for name, slug, status, table, domain_id, domain in session.execute(query)
    ]


def products_served_by(session: Session, table_ids: Collection[str], limit: int) -> list[tuple[str | None, str, str]]:
    """(table id, product slug, domain slug) of at most `limit` products served from these tables."""
    query = (
        select(ProductRow.table_id, ProductRow.slug, DomainRow.slug)
        .join(DomainRow, DomainRow.id == ProductRow.domain_id)
        .where(ProductRow.table_id.in_(list(table_ids)))
        .limit(limit)
    )
    return [(table_id, slug, domain) for table_id, slug, domain in session.execute(query)]


def input_ports(session: Session, product_ids: Collection[str] | None = None) -> list[tuple[str, str, str, Any]]:
    """(product id, slug, domain slug, input ports) of every product, or of those with these ids; only that part
    of each document is read."""
    query = select(ProductRow.id, ProductRow.slug, DomainRow.slug, ProductRow.spec["input_ports"]).join(
        DomainRow, DomainRow.id == ProductRow.domain_id
    )
    if product_ids is not None:
        query = query.where(ProductRow.id.in_(list(product_ids)))
    return [(product_id, slug, domain, ports) for product_id, slug, domain, ports in session.execute(query)]


def product_facts(domain_ids: Collection[str] | None) -> Select[Any]:
    """What a governance subject needs of every product (or those of `domain_ids`), in a stable order."""
    query = select(
        ProductRow.domain_id,
        ProductRow.name,
        ProductRow.status,
        ProductRow.owner,
        ProductRow.classification,
        ProductRow.tags,
        ProductRow.description,
        ProductRow.version,
        ProductRow.spec,
        ProductRow.table_id,
    ).order_by(ProductRow.id)
    return query if domain_ids is None else query.where(ProductRow.domain_id.in_(list(domain_ids)))


def product_ids_on_table(session: Session, table_id: str) -> list[str]:
    """Ids of the products served from this table."""
    return list(session.scalars(select(ProductRow.id).where(ProductRow.table_id == table_id)))
