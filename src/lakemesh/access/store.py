"""Catalog queries of the access capability: which grants are in force for whom, on what."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from lakemesh.auth.assignments import domain_ids_of
from lakemesh.auth.groups import held_by_any
from lakemesh.catalog.tables.access import GrantRow
from lakemesh.lakehouses.store import qualified_table_name, table_ids_named
from lakemesh.products.reads import product_specs_on_table, served_products

Reader = Session | Connection


def in_force(now: datetime) -> ColumnElement[bool]:
    """Not revoked, not swept as expired, and not past its expiry (checked on every read, not only by the sweep)."""
    return and_(
        GrantRow.revoked_at.is_(None),
        GrantRow.expired_at.is_(None),
        or_(GrantRow.expires_at.is_(None), GrantRow.expires_at > now),
    )


def held_by(principal_id: str) -> ColumnElement[bool]:
    """Grants to the principal or one of its groups, or to a domain the principal holds any role in."""
    return or_(
        and_(GrantRow.grantee_kind == "principal", held_by_any(GrantRow.grantee_id, principal_id)),
        and_(GrantRow.grantee_kind == "domain", GrantRow.grantee_id.in_(domain_ids_of(principal_id))),
    )


def table_grants(reader: Reader, principal_id: str, table_id: str, now: datetime) -> list[list[Any] | None]:
    """The column lists (None = all) of the grants in force that let the principal read the table."""
    served = served_products()
    query = (
        select(GrantRow.columns)
        .join(served, served.c.id == GrantRow.product_id)
        .where(
            served.c.table_id == table_id,
            in_force(now),
            held_by(principal_id),
        )
    )
    return [row[0] for row in reader.execute(query)]


def grant_on_table_name(reader: Reader, principal_id: str, domain_id: str, name: str, now: datetime) -> bool:
    """Whether a grant in force covers the table `<domain>.<lakehouse>.<table>` of the domain."""
    parts = name.split(".")
    if len(parts) != 3:
        return False
    served = served_products()
    query = (
        select(GrantRow.id)
        .join(served, served.c.id == GrantRow.product_id)
        .where(
            served.c.table_id.in_(table_ids_named(domain_id, parts[1], parts[2])),
            in_force(now),
            held_by(principal_id),
        )
        .limit(1)
    )
    return reader.execute(query).first() is not None


def grant_on_product_name(reader: Reader, principal_id: str, domain_id: str, name: str, now: datetime) -> bool:
    """Whether a grant in force covers the product `<domain>/<product>` of the domain."""
    _, _, slug = name.partition("/")
    served = served_products()
    query = (
        select(GrantRow.id)
        .join(served, served.c.id == GrantRow.product_id)
        .where(
            served.c.domain_id == domain_id,
            served.c.slug == slug,
            in_force(now),
            held_by(principal_id),
        )
        .limit(1)
    )
    return reader.execute(query).first() is not None


def granted_tables_query(principal_id: str, now: datetime) -> Select[Any]:
    """`table_id, product_id` of the grants in force on served products held by the principal (or its domains and
    groups), for use inside another query: the one statement of "which tables may this principal read by grant"."""
    served = served_products()
    return (
        select(served.c.table_id, served.c.id.label("product_id"))
        .join(GrantRow, GrantRow.product_id == served.c.id)
        .where(in_force(now), held_by(principal_id))
    )


def granted_table_ids(reader: Reader, principal_id: str, now: datetime) -> set[str]:
    return {row[0] for row in reader.execute(granted_tables_query(principal_id, now)) if row[0]}


def table_name(session: Session, table_id: str | None) -> str | None:
    return qualified_table_name(session, table_id)


def product_labels(reader: Reader, table_id: str) -> dict[str, str]:
    """Sensitivity labels the contracts of products served from the table put on its columns."""
    labels: dict[str, str] = {}
    for spec in product_specs_on_table(reader, table_id):
        schema = spec.get("contract", {}).get("schema", {})
        for column, definition in schema.items():
            label = definition.get("sensitivity_label") if isinstance(definition, dict) else None
            if label:
                labels.setdefault(column.lower(), str(label))
    return labels


def enum_columns(reader: Reader, table_id: str) -> frozenset[str]:
    """Columns (lower case) a served product's contract restricts to an enum: too few values to hash safely."""
    found: set[str] = set()
    for spec in product_specs_on_table(reader, table_id):
        schema = spec.get("contract", {}).get("schema", {})
        found.update(c.lower() for c, d in schema.items() if isinstance(d, dict) and d.get("enum"))
    return frozenset(found)


class GrantConsumers:
    """What lineage shows of grants: consumers of products (registered with lineage at install)."""

    def in_force(self, session: Session, product_ids: Collection[str]) -> list[tuple[str, str]]:
        """(product id, grant id) of the grants neither revoked nor swept as expired on these products."""
        query = select(GrantRow.product_id, GrantRow.id).where(
            GrantRow.product_id.in_(list(product_ids)), GrantRow.revoked_at.is_(None), GrantRow.expired_at.is_(None)
        )
        return [(product_id, grant_id) for product_id, grant_id in session.execute(query)]

    def by_ids(self, session: Session, grant_ids: Collection[str]) -> list[tuple[str, str, str, str, str]]:
        """(grant id, product id, grantee kind, grantee id, grantee) of the grants with these ids."""
        query = select(GrantRow.id, GrantRow.product_id, GrantRow.grantee_kind, GrantRow.grantee_id, GrantRow.grantee)
        rows = session.execute(query.where(GrantRow.id.in_(list(grant_ids))))
        return [
            (grant_id, product_id, kind, grantee_id, grantee)
            for grant_id, product_id, kind, grantee_id, grantee in rows
        ]


def next_grant_expiry(reader: Reader, principal_id: str, now: datetime) -> datetime | None:
    """When the first of the principal's grants in force expires (None: none expires): what a cache of the
    principal's reads may not outlive, since an expiry writes no catalog event."""
    query = select(func.min(GrantRow.expires_at)).where(
        in_force(now), held_by(principal_id), GrantRow.expires_at.is_not(None)
    )
    expiry: datetime | None = reader.execute(query).scalar()
    return expiry
