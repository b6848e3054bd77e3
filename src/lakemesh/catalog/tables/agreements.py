"""Catalog tables of usage agreements (owned by access): what an approved request turned into, version by version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lakemesh.catalog.tables.base import Base


class AgreementRow(Base):
    """A usage agreement between a product's provider and one consumer; the current terms, and every version's
    terms in `versions` (a renewal adds one), so both sides can read what was agreed when."""

    __tablename__ = "usage_agreements"
    __table_args__ = (Index("ix_usage_agreements_consumer", "consumer_kind", "consumer_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    domain_id: Mapped[str] = mapped_column(String(40), index=True)
    request_id: Mapped[str | None] = mapped_column(String(40))
    grant_id: Mapped[str] = mapped_column(String(40), index=True)
    consumer_kind: Mapped[str] = mapped_column(String(16))
    consumer_id: Mapped[str] = mapped_column(String(40))
    consumer: Mapped[str] = mapped_column(String(160))
    provider: Mapped[str] = mapped_column(String(254))
    approved_by: Mapped[str] = mapped_column(String(128))
    purpose: Mapped[str] = mapped_column(Text)
    columns: Mapped[list[Any] | None]
    contract_version: Mapped[str] = mapped_column(String(64))
    sla: Mapped[dict[str, Any]] = mapped_column(default=dict)
    obligations: Mapped[list[Any]] = mapped_column(default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime | None] = mapped_column(index=True)
    renewal_notice_version: Mapped[int | None] = mapped_column(Integer)
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str | None] = mapped_column(String(128))
    end_reason: Mapped[str | None] = mapped_column(Text)
    versions: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
