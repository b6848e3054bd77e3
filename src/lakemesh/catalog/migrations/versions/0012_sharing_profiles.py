"""sharing profiles: a grantee's personal Delta Sharing credential over what their grants cover

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 00:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lakemesh.catalog.tables.base

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _when(name: str, *, nullable: bool) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, lakemesh.catalog.tables.base.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "sharing_profiles",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("principal_id", sa.String(length=40), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("token_prefix", sa.String(length=16), nullable=False),
        _when("created_at", nullable=False),
        _when("revoked_at", nullable=True),
        _when("last_used_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["principal_id"],
            ["principals.id"],
            name=op.f("fk_sharing_profiles_principal_id_principals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_profiles")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sharing_profiles_token_hash")),
    )
    with op.batch_alter_table("sharing_profiles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sharing_profiles_principal_id"), ["principal_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sharing_profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sharing_profiles_principal_id"))
    op.drop_table("sharing_profiles")
