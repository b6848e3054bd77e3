"""Catalog tables of the glossary: business terms, every version of each, and their links to data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lakemesh.catalog.tables.base import Base


class GlossaryTermRow(Base):
    """One business term. `key` is the lower-cased name (names are unique whatever their case);
    `domain_id` is None for a GLOBAL term. Lists (owners, stewards, synonyms, related) are JSON."""

    __tablename__ = "glossary_terms"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    domain_id: Mapped[str | None] = mapped_column(String(40), index=True)
    parent_id: Mapped[str | None] = mapped_column(String(40), index=True)
    definition: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), index=True)
    owners: Mapped[list[Any]] = mapped_column(default=list)
    stewards: Mapped[list[Any]] = mapped_column(default=list)
    synonyms: Mapped[list[Any]] = mapped_column(default=list)
    related: Mapped[list[Any]] = mapped_column(default=list)
    search_text: Mapped[str] = mapped_column(Text, default="")  # lower-cased name and synonyms, for search
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(128))
    # indexed: every search reads max(updated_at) to know whether its in-memory copy is current
    updated_at: Mapped[datetime] = mapped_column(index=True)


class GlossaryTermVersionRow(Base):
    """The term's document as it was after each change: the glossary is versioned."""

    __tablename__ = "glossary_term_versions"

    term_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("glossary_terms.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(default=dict)
    changed_by: Mapped[str | None] = mapped_column(String(128))
    changed_at: Mapped[datetime]


class GlossaryLinkRow(Base):
    """A term attached to a product, a table or one column of a table. `table_id` is set for table and column
    links (products are found through their bound table); `status` is linked or suggested (awaiting review)."""

    __tablename__ = "glossary_links"
    __table_args__ = (
        UniqueConstraint("term_id", "target_kind", "target_id", "column_name", name="uq_glossary_link"),
        Index("ix_glossary_links_target", "target_id", "target_kind"),
        # a page of search hits counts its terms' linked links: by term and status in the index, PostgreSQL
        # reads only those rows (the term_id-only index left the status filter to a scan of every link)
        Index("ix_glossary_links_term_status", "term_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    term_id: Mapped[str] = mapped_column(String(40), ForeignKey("glossary_terms.id", ondelete="CASCADE"))
    target_kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[str] = mapped_column(String(40))
    table_id: Mapped[str | None] = mapped_column(String(40), index=True)
    column_name: Mapped[str] = mapped_column(String(256), default="")
    domain_id: Mapped[str] = mapped_column(String(40), index=True)
    qualified_name: Mapped[str] = mapped_column(String(700))
    status: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
