"""products

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 15:24:20.543737
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import lakemesh.catalog.tables.base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "products",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("domain_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("slug", sa.String(length=128), nullable=False),
        sa.Column("owner", sa.String(length=254), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("table_id", sa.String(length=40), nullable=True),
        sa.Column("enforcement", sa.String(length=8), nullable=False),
        sa.Column("classification", sa.String(length=32), nullable=True),
        sa.Column(
            "tags", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", lakemesh.catalog.tables.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lakemesh.catalog.tables.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("published_at", lakemesh.catalog.tables.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("deprecated_at", lakemesh.catalog.tables.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("sunset_date", sa.Date(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["domain_id"], ["domains.id"], name=op.f("fk_products_domain_id_domains"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("domain_id", "slug", name=op.f("uq_products_domain_id")),
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_products_domain_id"), ["domain_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_products_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_products_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_products_table_id"), ["table_id"], unique=False)

    op.create_table(
        "product_versions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column(
            "changes", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", lakemesh.catalog.tables.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_product_versions_product_id_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_versions")),
        sa.UniqueConstraint("product_id", "version", name=op.f("uq_product_versions_product_id")),
    )
    with op.batch_alter_table("product_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_versions_product_id"), ["product_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("product_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_versions_product_id"))

    op.drop_table("product_versions")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_products_table_id"))
        batch_op.drop_index(batch_op.f("ix_products_status"))
        batch_op.drop_index(batch_op.f("ix_products_owner"))
        batch_op.drop_index(batch_op.f("ix_products_domain_id"))

    op.drop_table("products")
