"""glossary: business terms, their versions and their links to products, tables and columns

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 23:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from lakemesh.catalog.tables.base import JsonType, UtcDateTime

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "glossary_terms",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("domain_id", sa.String(length=40), nullable=True),
        sa.Column("parent_id", sa.String(length=40), nullable=True),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("owners", JsonType, nullable=False),
        sa.Column("stewards", JsonType, nullable=False),
        sa.Column("synonyms", JsonType, nullable=False),
        sa.Column("related", JsonType, nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_glossary_terms")),
        sa.UniqueConstraint("key", name=op.f("uq_glossary_terms_key")),
    )
    op.create_index(op.f("ix_glossary_terms_domain_id"), "glossary_terms", ["domain_id"], unique=False)
    op.create_index(op.f("ix_glossary_terms_parent_id"), "glossary_terms", ["parent_id"], unique=False)
    op.create_index(op.f("ix_glossary_terms_status"), "glossary_terms", ["status"], unique=False)
    op.create_table(
        "glossary_term_versions",
        sa.Column("term_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", JsonType, nullable=False),
        sa.Column("changed_by", sa.String(length=128), nullable=True),
        sa.Column("changed_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["glossary_terms.id"],
            name=op.f("fk_glossary_term_versions_term_id_glossary_terms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("term_id", "version", name=op.f("pk_glossary_term_versions")),
    )
    op.create_table(
        "glossary_links",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("term_id", sa.String(length=40), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.String(length=40), nullable=False),
        sa.Column("table_id", sa.String(length=40), nullable=True),
        sa.Column("column_name", sa.String(length=256), nullable=False),
        sa.Column("domain_id", sa.String(length=40), nullable=False),
        sa.Column("qualified_name", sa.String(length=700), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["glossary_terms.id"],
            name=op.f("fk_glossary_links_term_id_glossary_terms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_glossary_links")),
        sa.UniqueConstraint("term_id", "target_kind", "target_id", "column_name", name="uq_glossary_link"),
    )
    op.create_index("ix_glossary_links_target", "glossary_links", ["target_id", "target_kind"], unique=False)
    op.create_index(op.f("ix_glossary_links_term_id"), "glossary_links", ["term_id"], unique=False)
    op.create_index(op.f("ix_glossary_links_table_id"), "glossary_links", ["table_id"], unique=False)
    op.create_index(op.f("ix_glossary_links_domain_id"), "glossary_links", ["domain_id"], unique=False)


def downgrade() -> None:
    op.drop_table("glossary_links")
    op.drop_table("glossary_term_versions")
    op.drop_index(op.f("ix_glossary_terms_status"), table_name="glossary_terms")
    op.drop_index(op.f("ix_glossary_terms_parent_id"), table_name="glossary_terms")
    op.drop_index(op.f("ix_glossary_terms_domain_id"), table_name="glossary_terms")
    op.drop_table("glossary_terms")
