"""Catalog lookups for lakehouses and tables (names match case-insensitively)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lakemesh.catalog.tables.lakehouses import LakehouseRow, TableRow
from lakemesh.core.ids import native_ref

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
