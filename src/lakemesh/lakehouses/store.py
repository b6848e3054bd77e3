"""Catalog lookups for lakehouses and tables (names match case-insensitively)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, Text, cast, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, aliased

from lakemesh.catalog.tables.lakehouses import LakehouseRow, TableRow
from lakemesh.core.ids import native_ref
from lakemesh.domains.service import domain_ids_by_slug, domain_rows, domain_slugs_of

LAYERS = ("bronze", "silver", "gold")


def find_lakehouse(session: Session, domain_id: str, name: str) -> LakehouseRow | None:
    return session.scalar(
        select(LakehouseRow).where(
            LakehouseRow.domain_id == domain_id,
            (func.lower(LakehouseRow.name) == name.strip().lower()) | (LakehouseRow.id == native_ref(name, "lh")),
        )
    )


def find_table(session: Session, lakehouse_id: str, name: str) -> TableRow | None:
    return session.scalar(
        select(TableRow).where(
            TableRow.lakehouse_id == lakehouse_id,
            (func.lower(TableRow.name) == name.strip().lower()) | (TableRow.id == native_ref(name, "tbl")),
        )
    )


def table_columns(session: Session, table_ids: list[str]) -> dict[str, set[str]]:
    """The (lower-case) column names of those of the tables that still exist, by id: for capabilities keeping
    per-column records, to drop the ones of deleted tables and columns."""
    rows = session.execute(select(TableRow.id, TableRow.columns).where(TableRow.id.in_(table_ids)))
    return {table_id: {str(c["name"]).lower() for c in columns or []} for table_id, columns in rows}


def count_lakehouses(session: Session, domain_id: str) -> tuple[str, int]:
    n = session.scalar(select(func.count()).select_from(LakehouseRow).where(LakehouseRow.domain_id == domain_id))
    return "lakehouses", int(n or 0)


def infer_layer(table_name: str) -> str | None:
    prefix = table_name.lower().split("_", 1)[0]
    return prefix if prefix in LAYERS else None


def table_ids_named(domain_id: str, lakehouse: str, table: str) -> Select[Any]:
    """Ids of the domain's table `lakehouse.table` (case-insensitive), for use inside another capability's query."""
    return (
        select(TableRow.id)
        .join(LakehouseRow, LakehouseRow.id == TableRow.lakehouse_id)
        .where(
            TableRow.domain_id == domain_id,
            func.lower(LakehouseRow.name) == lakehouse.lower(),
            func.lower(TableRow.name) == table.lower(),
        )
    )


def qualified_table_name(session: Session, table_id: str | None) -> str | None:
    """`<domain>.<lakehouse>.<table>` of a table by id; None when there is none."""
    if table_id is None:
        return None
    row = session.execute(
        select(TableRow.domain_id, LakehouseRow.name, TableRow.name)
        .join(LakehouseRow, LakehouseRow.id == TableRow.lakehouse_id)
        .where(TableRow.id == table_id)
    ).first()
    domains = domain_rows(session, [row[0]]) if row else []
    return f"{domains[0].slug}.{row[1]}.{row[2]}" if row and domains else None


def table_and_lakehouse(session: Session, table_id: str | None) -> tuple[TableRow, LakehouseRow] | None:
    """A table by id with its lakehouse; None when either is gone."""
    table = session.get(TableRow, table_id) if table_id else None
    lakehouse = session.get(LakehouseRow, table.lakehouse_id) if table else None
    return (table, lakehouse) if table is not None and lakehouse is not None else None


def domains_written_since(cutoff: datetime) -> Select[Any]:
    """`domain_id` of tables written at or after `cutoff`, for use inside another query."""
    return select(TableRow.domain_id.label("domain_id")).where(TableRow.last_write_at >= cutoff)


def shortcuts_across_domains(session: Session) -> int:
    """How many shortcuts point at a table of another domain (the mesh metrics)."""
    target = aliased(TableRow)
    query = (
        select(func.count())
        .select_from(TableRow)
        .join(target, target.id == TableRow.target_table_id)
        .where(target.domain_id != TableRow.domain_id)
    )
    return int(session.scalar(query) or 0)


def lakehouse_counts(session: Session) -> tuple[int, int]:
    """How many lakehouses there are, and how many of them were made from a template."""
    total = session.scalar(select(func.count()).select_from(LakehouseRow)) or 0
    templated = session.scalar(select(func.count()).select_from(LakehouseRow).where(LakehouseRow.template.is_not(None)))
    return int(total), int(templated or 0)


def tables_named(
    session: Session, names: Collection[tuple[str, str, str]]
) -> list[tuple[str, str, str | None, str, str, str]]:
    """(table id, table, shortcut target id, lakehouse, domain id, domain slug) of the tables named by these
    (domain slug, lakehouse, table) triples in lower case; every combination of the parts: callers keep the ones
    they asked for. No visibility check: callers authorize each."""
    slugs = {ids: slug for slug, ids in domain_ids_by_slug(session, {n[0] for n in names}).items()}
    if not slugs:
        return []
    rows = session.execute(
        select(TableRow.id, TableRow.name, TableRow.target_table_id, LakehouseRow.name, LakehouseRow.domain_id)
        .join(LakehouseRow, LakehouseRow.id == TableRow.lakehouse_id)
        .where(
            LakehouseRow.domain_id.in_(list(slugs)),
            func.lower(LakehouseRow.name).in_({n[1] for n in names}),
            func.lower(TableRow.name).in_({n[2] for n in names}),
        )
    )
    return [(i, table, target, lakehouse, d, slugs[d]) for i, table, target, lakehouse, d in rows]


def shortcuts_to(session: Session, table_ids: Collection[str], limit: int) -> list[tuple[str, str]]:
    """(target table id, `domain.lakehouse.table` of the shortcut) of at most `limit` shortcuts to these tables."""
    rows = session.execute(
        select(TableRow.target_table_id, TableRow.name, LakehouseRow.name, LakehouseRow.domain_id)
        .join(LakehouseRow, LakehouseRow.id == TableRow.lakehouse_id)
        .where(TableRow.target_table_id.in_(list(table_ids)))
        .limit(limit)
    ).all()
    slugs = domain_slugs_of(session, {row[3] for row in rows})
    return [(target or "", f"{slugs[d]}.{lh}.{name}") for target, name, lh, d in rows if d in slugs]


def qualified_table_names(session: Session, table_ids: Collection[str]) -> dict[str, str]:
    """Id → `<domain>.<lakehouse>.<table>` of those of these tables that exist."""
    rows = session.execute(
        select(TableRow.id, TableRow.name, LakehouseRow.name, LakehouseRow.domain_id)
        .join(LakehouseRow, LakehouseRow.id == TableRow.lakehouse_id)
        .where(TableRow.id.in_(list(table_ids)))
    ).all()
    slugs = domain_slugs_of(session, {row[3] for row in rows})
    return {i: f"{slugs[d]}.{lh}.{name}" for i, name, lh, d in rows if d in slugs}


def lakehouse_named(reader: Session | Connection, domain_id: str, name: str) -> Row[str, str, int] | None:
    """(id, name, retention_days) of the domain's lakehouse `name` (case-insensitive), as a plain row."""
    query = select(LakehouseRow.id, LakehouseRow.name, LakehouseRow.retention_days).where(
        LakehouseRow.domain_id == domain_id, func.lower(LakehouseRow.name) == name.lower()
    )
    return reader.execute(query).first()


def table_record(reader: Session | Connection, lakehouse_id: str, name: str) -> Row[Any] | None:
    """Every column of the lakehouse's table `name` (case-insensitive), as a plain row (no ORM object)."""
    query = select(TableRow.__table__).where(
        TableRow.lakehouse_id == lakehouse_id, func.lower(TableRow.name) == name.lower()
    )
    return reader.execute(query).first()


def lakehouse_facts(domain_ids: Collection[str] | None) -> Select[*tuple[Any, ...]]:
    """What a governance subject needs of every lakehouse (or those of `domain_ids`), in a stable order."""
    query = select(
        LakehouseRow.id,
        LakehouseRow.domain_id,
        LakehouseRow.name,
        LakehouseRow.retention_days,
        LakehouseRow.auto_vacuum,
        LakehouseRow.template,
        LakehouseRow.data_steward,
        LakehouseRow.description,
    ).order_by(LakehouseRow.id)
    return query if domain_ids is None else query.where(LakehouseRow.domain_id.in_(list(domain_ids)))


def table_facts(domain_ids: Collection[str] | None) -> Select[*tuple[Any, ...]]:
    """What a governance subject needs of every table (or those of `domain_ids`), JSON as text, stable order."""
    query = select(
        TableRow.id,
        TableRow.lakehouse_id,
        TableRow.domain_id,
        TableRow.name,
        TableRow.layer,
        TableRow.description,
        cast(TableRow.columns, Text).label("columns"),
        cast(TableRow.partition_columns, Text).label("partition_columns"),
        cast(TableRow.properties, Text).label("properties"),
        TableRow.retention_days,
        TableRow.row_count,
        TableRow.size_bytes,
        TableRow.last_write_at,
        TableRow.target_table_id,
    ).order_by(TableRow.id)
    return query if domain_ids is None else query.where(TableRow.domain_id.in_(list(domain_ids)))


def table_by_id(session: Session, table_id: str | None) -> TableRow | None:
    """The table (or shortcut) with this id; None when there is none."""
    return session.get(TableRow, table_id) if table_id else None


def shortcuts_in(session: Session, lakehouse_id: str) -> list[TableRow]:
    """The lakehouse's shortcuts (tables with a target), by name."""
    query = select(TableRow).where(TableRow.lakehouse_id == lakehouse_id, TableRow.target_table_id.is_not(None))
    return list(session.scalars(query.order_by(TableRow.name)))


def tables_and_lakehouses(session: Session, table_ids: Collection[str]) -> dict[str, tuple[TableRow, LakehouseRow]]:
    """Each of these tables with its lakehouse, by id, in one query; those that are gone are absent."""
    if not table_ids:
        return {}
    rows = session.execute(
        select(TableRow, LakehouseRow)
        .join(LakehouseRow, LakehouseRow.id == TableRow.lakehouse_id)
        .where(TableRow.id.in_(list(table_ids)))
    )
    return {table.id: (table, lakehouse) for table, lakehouse in rows}


def template_usage(session: Session, name: str) -> int:
    """How many lakehouses were made from the template `name` (registered with templates at install)."""
    query = select(func.count()).select_from(LakehouseRow).where(func.lower(LakehouseRow.template) == name.lower())
    return int(session.scalar(query) or 0)
