"""semantic

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 10:00:00.000000
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import lakemesh.catalog.tables.base

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "semantic_models",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("domain_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("slug", sa.String(length=128), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("bound", _json(), nullable=False),
        sa.Column("sources", _json(), nullable=False),
        sa.Column("product", sa.String(length=128), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", lakemesh.catalog.tables.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lakemesh.catalog.tables.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["domain_id"], ["domains.id"], name=op.f("fk_semantic_models_domain_id_domains"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_semantic_models")),
        sa.UniqueConstraint("domain_id", "slug", name=op.f("uq_semantic_models_domain_id")),
    )
    with op.batch_alter_table("semantic_models", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_semantic_models_domain_id"), ["domain_id"], unique=False)

    op.create_table(
        "semantic_model_versions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("model_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("breaking", sa.Boolean(), nullable=False),
        sa.Column("changes", _json(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", lakemesh.catalog.tables.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["semantic_models.id"],
            name=op.f("fk_semantic_model_versions_model_id_semantic_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_semantic_model_versions")),
        sa.UniqueConstraint("model_id", "version", name=op.f("uq_semantic_model_versions_model_id")),
    )
    with op.batch_alter_table("semantic_model_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_semantic_model_versions_model_id"), ["model_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("semantic_model_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_semantic_model_versions_model_id"))
    op.drop_table("semantic_model_versions")
    with op.batch_alter_table("semantic_models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_semantic_models_domain_id"))
    op.drop_table("semantic_models")
