"""Semantic models and every version of their documents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lakemesh.catalog.tables.base import Base


class SemanticModelRow(Base):
    __tablename__ = "semantic_models"
    __table_args__ = (UniqueConstraint("domain_id", "slug"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    domain_id: Mapped[str] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    slug: Mapped[str] = mapped_column(String(128))
    version: Mapped[str] = mapped_column(String(64))
    # The document as written (plain JSON keeps its order) and, per logical table, the SQL name and
    # physical columns it was validated against, so queries compile without reading Delta logs.
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    bound: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sources: Mapped[list[Any]] = mapped_column(default=list)
    product: Mapped[str | None] = mapped_column(String(128))
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    revision: Mapped[int] = mapped_column(Integer, default=1)


class SemanticModelVersionRow(Base):
    __tablename__ = "semantic_model_versions"
    __table_args__ = (UniqueConstraint("model_id", "version"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    model_id: Mapped[str] = mapped_column(ForeignKey("semantic_models.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(64))
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    breaking: Mapped[bool] = mapped_column(Boolean, default=False)
    changes: Mapped[list[Any]] = mapped_column(default=list)
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
