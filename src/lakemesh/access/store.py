"""Catalog queries of the access capability: which grants are in force for whom, on what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from lakemesh.auth.assignments import domain_ids_of
from lakemesh.auth.groups import held_by_any
from lakemesh.catalog.tables.access import GrantRow
from lakemesh.catalog.tables.domains import DomainRow
from lakemesh.catalog.tables.lakehouses import LakehouseRow, TableRow
from lakemesh.catalog.tables.products import ProductRow
from lakemesh.products.status import VISIBLE_TO_ALL

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
    query = (
        select(GrantRow.columns)
        .join(ProductRow, ProductRow.id == GrantRow.product_id)
        .where(
            ProductRow.table_id == table_id,
            ProductRow.status.in_(VISIBLE_TO_ALL),
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
    query = (
        select(GrantRow.id)
        .join(ProductRow, ProductRow.id == GrantRow.product_id)
        .join(TableRow, TableRow.id == ProductRow.table_id)
        .join(LakehouseRow, LakehouseRow.id == TableRow.lakehouse_id)
        .where(
            TableRow.domain_id == domain_id,
            func.lower(LakehouseRow.name) == parts[1].lower(),
            func.lower(TableRow.name) == parts[2].lower(),
            ProductRow.status.in_(VISIBLE_TO_ALL),
            in_force(now),
            held_by(principal_id),
        )
        .limit(1)
    )
    return reader.execute(query).first() is not None


def grant_on_product_name(reader: Reader, principal_id: str, domain_id: str, name: str, now: datetime) -> bool:
    """Whether a grant in force covers the product `<domain>/<product>` of the domain."""
    _, _, slug = name.partition("/")
    query = (
        select(GrantRow.id)
        .join(ProductRow, ProductRow.id == GrantRow.product_id)
        .where(
            ProductRow.domain_id == domain_id,
            ProductRow.slug == slug,
            ProductRow.status.in_(VISIBLE_TO_ALL),
            in_force(now),
            held_by(principal_id),
        )
        .limit(1)
    )
    return reader.execute(query).first() is not None


def granted_table_ids(reader: Reader, principal_id: str, now: datetime) -> set[str]:
    query = (
        select(ProductRow.table_id)
        .join(GrantRow, GrantRow.product_id == ProductRow.id)
        .where(ProductRow.status.in_(VISIBLE_TO_ALL), in_force(now), held_by(principal_id))
    )
    return {row[0] for row in reader.execute(query) if row[0]}


def table_name(session: Session, table_id: str | None) -> str | None:
    if table_id is None:
        return None
    row = session.execute(
        select(DomainRow.slug, LakehouseRow.name, TableRow.name)
        .join(LakehouseRow, LakehouseRow.id == TableRow.lakehouse_id)
        .join(DomainRow, DomainRow.id == TableRow.domain_id)
        .where(TableRow.id == table_id)
    ).first()
    return f"{row[0]}.{row[1]}.{row[2]}" if row else None


def product_labels(reader: Reader, table_id: str) -> dict[str, str]:
    """Sensitivity labels the contracts of products served from the table put on its columns."""
    labels: dict[str, str] = {}
    for (spec,) in reader.execute(select(ProductRow.spec).where(ProductRow.table_id == table_id)):
        schema = (spec or {}).get("contract", {}).get("schema", {})
        for column, definition in schema.items():
            label = definition.get("sensitivity_label") if isinstance(definition, dict) else None
            if label:
                labels.setdefault(column.lower(), str(label))
    return labels


def enum_columns(reader: Reader, table_id: str) -> frozenset[str]:
    """Columns (lower case) a served product's contract restricts to an enum: too few values to hash safely."""
    found: set[str] = set()
    for (spec,) in reader.execute(select(ProductRow.spec).where(ProductRow.table_id == table_id)):
        schema = (spec or {}).get("contract", {}).get("schema", {})
        found.update(c.lower() for c, d in schema.items() if isinstance(d, dict) and d.get("enum"))
    return frozenset(found)
