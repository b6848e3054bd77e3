"""usage agreements: the agreement an approved access request becomes; grants and requests point at it

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 22:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from lakemesh.catalog.tables.base import JsonType, UtcDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usage_agreements",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("domain_id", sa.String(length=40), nullable=False),
        sa.Column("request_id", sa.String(length=40), nullable=True),
        sa.Column("grant_id", sa.String(length=40), nullable=False),
        sa.Column("consumer_kind", sa.String(length=16), nullable=False),
        sa.Column("consumer_id", sa.String(length=40), nullable=False),
        sa.Column("consumer", sa.String(length=160), nullable=False),
        sa.Column("provider", sa.String(length=254), nullable=False),
        sa.Column("approved_by", sa.String(length=128), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("columns", JsonType, nullable=True),
        sa.Column("contract_version", sa.String(length=64), nullable=False),
        sa.Column("sla", JsonType, nullable=False),
        sa.Column("obligations", JsonType, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("valid_from", UtcDateTime(), nullable=False),
        sa.Column("valid_until", UtcDateTime(), nullable=True),
        sa.Column("renewal_notice_version", sa.Integer(), nullable=True),
        sa.Column("ended_at", UtcDateTime(), nullable=True),
        sa.Column("ended_by", sa.String(length=128), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("versions", JsonType, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_usage_agreements_product_id_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_agreements")),
    )
    op.create_index(op.f("ix_usage_agreements_product_id"), "usage_agreements", ["product_id"], unique=False)
    op.create_index(op.f("ix_usage_agreements_domain_id"), "usage_agreements", ["domain_id"], unique=False)
    op.create_index(op.f("ix_usage_agreements_grant_id"), "usage_agreements", ["grant_id"], unique=False)
    op.create_index(op.f("ix_usage_agreements_valid_until"), "usage_agreements", ["valid_until"], unique=False)
    op.create_index("ix_usage_agreements_consumer", "usage_agreements", ["consumer_kind", "consumer_id"], unique=False)
    with op.batch_alter_table("access_grants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agreement_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("agreement_version", sa.Integer(), nullable=True))
    with op.batch_alter_table("access_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("terms", JsonType, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("access_requests", schema=None) as batch_op:
        batch_op.drop_column("terms")
    with op.batch_alter_table("access_grants", schema=None) as batch_op:
        batch_op.drop_column("agreement_version")
        batch_op.drop_column("agreement_id")
    op.drop_index("ix_usage_agreements_consumer", table_name="usage_agreements")
    op.drop_index(op.f("ix_usage_agreements_valid_until"), table_name="usage_agreements")
    op.drop_index(op.f("ix_usage_agreements_grant_id"), table_name="usage_agreements")
    op.drop_index(op.f("ix_usage_agreements_domain_id"), table_name="usage_agreements")
    op.drop_index(op.f("ix_usage_agreements_product_id"), table_name="usage_agreements")
    op.drop_table("usage_agreements")
