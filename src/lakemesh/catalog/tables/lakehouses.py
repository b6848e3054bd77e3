"""Templates, lakehouses and the tables in them (the Delta log holds the data; this holds what it means)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lakemesh.catalog.tables.base import Base


class LakehouseRow(Base):
    __tablename__ = "lakehouses"
    __table_args__ = (UniqueConstraint("domain_id", "name"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    domain_id: Mapped[str] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    description: Mapped[str] = mapped_column(Text, default="")
    data_steward: Mapped[str | None] = mapped_column(String(254))
    template: Mapped[str | None] = mapped_column(String(128))
    layers: Mapped[list[Any]] = mapped_column(default=list)
    default_format: Mapped[str] = mapped_column(String(16), default="delta")
    retention_days: Mapped[int] = mapped_column(Integer, default=7)
    auto_vacuum: Mapped[bool] = mapped_column(Boolean, default=False)
    sensitivity: Mapped[str | None] = mapped_column(String(64))
    governance: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    revision: Mapped[int] = mapped_column(Integer, default=1)


class TableRow(Base):
    """A Delta table, or a shortcut (`target_table_id` set) that reads another lakehouse's table."""

    __tablename__ = "lakehouse_tables"
    __table_args__ = (UniqueConstraint("lakehouse_id", "name"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    lakehouse_id: Mapped[str] = mapped_column(ForeignKey("lakehouses.id", ondelete="CASCADE"), index=True)
    domain_id: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(128))
    layer: Mapped[str | None] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text, default="")
    # Column facts the Delta log does not keep: {name: {"type", "nullable", "description", "sensitivity_label"}}.
    columns: Mapped[list[Any]] = mapped_column(default=list)
    partition_columns: Mapped[list[Any]] = mapped_column(default=list)
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    retention_days: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int | None] = mapped_column(BigInteger)
    row_count: Mapped[int | None] = mapped_column(BigInteger)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    last_write_at: Mapped[datetime | None]
    target_table_id: Mapped[str | None] = mapped_column(String(40), index=True)
    target_version: Mapped[int | None] = mapped_column(BigInteger)
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
