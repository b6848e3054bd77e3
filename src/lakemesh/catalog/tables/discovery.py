"""Discovery's tables: the search documents, their tags and terms."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lakemesh.catalog.tables.audit import AutoId
from lakemesh.catalog.tables.base import Base


class SearchDocumentRow(Base):
    """One searchable object (product, table or column). Full text lives beside it: an FTS5 table on SQLite,
    a generated tsvector column on PostgreSQL (both created by migration 0006)."""

    __tablename__ = "search_documents"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    object_id: Mapped[str] = mapped_column(String(40), index=True)
    parent_id: Mapped[str | None] = mapped_column(String(40), index=True)
    domain_id: Mapped[str] = mapped_column(String(40), index=True)
    domain: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(256))
    qualified_name: Mapped[str] = mapped_column(String(400))
    description: Mapped[str] = mapped_column(Text, default="")
    tags_text: Mapped[str] = mapped_column(Text, default="")
    columns_text: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[Any]] = mapped_column(default=list)
    owner: Mapped[str | None] = mapped_column(String(254))
    classification: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str | None] = mapped_column(String(16))
    layer: Mapped[str | None] = mapped_column(String(16))
    public: Mapped[bool] = mapped_column(default=False)
    quality_score: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime]


class SearchTagRow(Base):
    """Tags of a search document, one row each, so tag facets are one GROUP BY."""

    __tablename__ = "search_tags"

    document_id: Mapped[int] = mapped_column(
        AutoId, ForeignKey("search_documents.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(128), primary_key=True, index=True)


class SearchTermRow(Base):
    """Every word the index has seen, for typo tolerance: query words are matched against close terms."""

    __tablename__ = "search_terms"

    term: Mapped[str] = mapped_column(String(64), primary_key=True)
