"""quality: tables of the quality capability

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import lakemesh.catalog.tables.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UtcDateTime = lakemesh.catalog.tables.base.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "quality_runs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("domain_id", sa.String(length=40), nullable=False),
        sa.Column("product_version", sa.String(length=64), nullable=False),
        sa.Column("table_name", sa.String(length=400), nullable=False),
        sa.Column("table_version", sa.BigInteger(), nullable=True),
        sa.Column("from_version", sa.BigInteger(), nullable=True),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("mode_reason", sa.Text(), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("total_rows", sa.BigInteger(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("weighted_score", sa.Float(), nullable=True),
        sa.Column(
            "rules", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_quality_runs_product_id_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_runs")),
    )
    with op.batch_alter_table("quality_runs", schema=None) as batch_op:
        batch_op.create_index("ix_quality_runs_product_started", ["product_id", "started_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_quality_runs_domain_id"), ["domain_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quality_runs_status"), ["status"], unique=False)

    op.create_table(
        "quality_schedules",
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("domain_id", sa.String(length=40), nullable=False),
        sa.Column("cron", sa.String(length=128), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("next_run_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("last_run_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_quality_schedules_product_id_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_quality_schedules")),
    )
    with op.batch_alter_table("quality_schedules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quality_schedules_next_run_at"), ["next_run_at"], unique=False)

    op.create_table(
        "sla_states",
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("objective", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("since", UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_sla_states_product_id_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("product_id", "objective", name=op.f("pk_sla_states")),
    )


def downgrade() -> None:
    op.drop_table("sla_states")
    with op.batch_alter_table("quality_schedules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quality_schedules_next_run_at"))

    op.drop_table("quality_schedules")
    with op.batch_alter_table("quality_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quality_runs_status"))
        batch_op.drop_index(batch_op.f("ix_quality_runs_domain_id"))
        batch_op.drop_index("ix_quality_runs_product_started")

    op.drop_table("quality_runs")
