"""groups and SCIM: group members (with who maintains each membership) and SCIM's external ids

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 20:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import lakemesh.catalog.tables.base

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "group_members",
        sa.Column("group_id", sa.String(length=40), nullable=False),
        sa.Column("member_id", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("created_at", lakemesh.catalog.tables.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["principals.id"], name=op.f("fk_group_members_group_id_principals"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["principals.id"], name=op.f("fk_group_members_member_id_principals"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("group_id", "member_id", name=op.f("pk_group_members")),
    )
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_members_member_id"), ["member_id"], unique=False)
    op.create_table(
        "scim_identities",
        sa.Column("principal_id", sa.String(length=40), nullable=False),
        sa.Column("external_id", sa.String(length=256), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", lakemesh.catalog.tables.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column(
            "deleted_at",
            lakemesh.catalog.tables.base.UtcDateTime(timezone=True),
            nullable=True,
            comment="deleted over SCIM: disabled, kept for history",
        ),
        sa.Column(
            "attributes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
            comment="what the directory sent beyond Lakemesh's own fields, given back as sent",
        ),
        sa.ForeignKeyConstraint(
            ["principal_id"],
            ["principals.id"],
            name=op.f("fk_scim_identities_principal_id_principals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("principal_id", name=op.f("pk_scim_identities")),
    )
    with op.batch_alter_table("scim_identities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scim_identities_external_id"), ["external_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scim_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scim_identities_external_id"))
    op.drop_table("scim_identities")
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_members_member_id"))
    op.drop_table("group_members")
