"""lakehouses: templates, lakehouses, tables

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 15:13:08.917986
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import lakemesh.catalog.tables.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "templates",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column(
            "document", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("created_at", lakemesh.catalog.tables.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lakemesh.catalog.tables.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_templates")),
        sa.UniqueConstraint("name", name=op.f("uq_templates_name")),
    )
    op.create_table(
        "lakehouses",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("domain_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("data_steward", sa.String(length=254), nullable=True),
        sa.Column("template", sa.String(length=128), nullable=True),
        sa.Column(
            "layers", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("default_format", sa.String(length=16), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("auto_vacuum", sa.Boolean(), nullable=False),
        sa.Column("sensitivity", sa.String(length=64), nullable=True),
        sa.Column(
            "governance", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", lakemesh.catalog.tables.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lakemesh.catalog.tables.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["domain_id"], ["domains.id"], name=op.f("fk_lakehouses_domain_id_domains"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lakehouses")),
        sa.UniqueConstraint("domain_id", "name", name=op.f("uq_lakehouses_domain_id")),
    )
    with op.batch_alter_table("lakehouses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lakehouses_domain_id"), ["domain_id"], unique=False)

    op.create_table(
        "lakehouse_tables",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("lakehouse_id", sa.String(length=40), nullable=False),
        sa.Column("domain_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("layer", sa.String(length=16), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "columns", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "partition_columns",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "properties", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("retention_days", sa.Integer(), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=True),
        sa.Column("row_count", sa.BigInteger(), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("last_write_at", lakemesh.catalog.tables.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("target_table_id", sa.String(length=40), nullable=True),
        sa.Column("target_version", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", lakemesh.catalog.tables.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lakemesh.catalog.tables.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lakehouse_id"],
            ["lakehouses.id"],
            name=op.f("fk_lakehouse_tables_lakehouse_id_lakehouses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lakehouse_tables")),
        sa.UniqueConstraint("lakehouse_id", "name", name=op.f("uq_lakehouse_tables_lakehouse_id")),
    )
    with op.batch_alter_table("lakehouse_tables", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lakehouse_tables_domain_id"), ["domain_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_lakehouse_tables_lakehouse_id"), ["lakehouse_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_lakehouse_tables_target_table_id"), ["target_table_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("lakehouse_tables", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lakehouse_tables_target_table_id"))
        batch_op.drop_index(batch_op.f("ix_lakehouse_tables_lakehouse_id"))
        batch_op.drop_index(batch_op.f("ix_lakehouse_tables_domain_id"))

    op.drop_table("lakehouse_tables")
    with op.batch_alter_table("lakehouses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lakehouses_domain_id"))

    op.drop_table("lakehouses")
    op.drop_table("templates")
