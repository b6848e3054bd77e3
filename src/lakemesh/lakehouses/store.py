"""Catalog lookups for lakehouses and tables (names match case-insensitively)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from lakemesh.catalog.tables.lakehouses import LakehouseRow, TableRow
from lakemesh.core.ids import native_ref
from lakemesh.domains.service import domain_rows

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
