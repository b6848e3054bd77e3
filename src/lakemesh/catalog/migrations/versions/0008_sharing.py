"""sharing: Delta Sharing shares, shared tables, recipients and the signing key

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import lakemesh.catalog.tables.base

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _when(name: str, *, nullable: bool) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, lakemesh.catalog.tables.base.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "sharing_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", _JSON, nullable=False),
        _when("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sharing_settings")),
    )
    op.create_table(
        "shares",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("domain_id", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["domain_id"], ["domains.id"], name=op.f("fk_shares_domain_id_domains"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shares")),
        sa.UniqueConstraint("name", name=op.f("uq_shares_name")),
    )
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shares_domain_id"), ["domain_id"], unique=False)

    op.create_table(
        "share_recipients",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("share_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("token_prefix", sa.String(length=16), nullable=False),
        _when("expires_at", nullable=True),
        _when("revoked_at", nullable=True),
        sa.Column("revoked_by", sa.String(length=128), nullable=True),
        _when("last_used_at", nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        _when("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["share_id"], ["shares.id"], name=op.f("fk_share_recipients_share_id_shares"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_recipients")),
        sa.UniqueConstraint("share_id", "name", name=op.f("uq_share_recipients_share_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_share_recipients_token_hash")),
    )
    with op.batch_alter_table("share_recipients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_share_recipients_share_id"), ["share_id"], unique=False)

    op.create_table(
        "share_tables",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("share_id", sa.String(length=40), nullable=False),
        sa.Column("schema_name", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("table_id", sa.String(length=40), nullable=False),
        sa.Column("columns", _JSON, nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        _when("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["share_id"], ["shares.id"], name=op.f("fk_share_tables_share_id_shares"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["table_id"],
            ["lakehouse_tables.id"],
            name=op.f("fk_share_tables_table_id_lakehouse_tables"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_tables")),
        sa.UniqueConstraint("share_id", "schema_name", "name", name=op.f("uq_share_tables_share_id")),
    )
    with op.batch_alter_table("share_tables", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_share_tables_share_id"), ["share_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_share_tables_table_id"), ["table_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("share_tables", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_share_tables_table_id"))
        batch_op.drop_index(batch_op.f("ix_share_tables_share_id"))
    op.drop_table("share_tables")
    with op.batch_alter_table("share_recipients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_share_recipients_share_id"))
    op.drop_table("share_recipients")
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shares_domain_id"))
    op.drop_table("shares")
    op.drop_table("sharing_settings")
