"""replicas: scheduled slots, claimed once across replicas; products by table (lineage walks)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-09 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lakemesh.catalog.tables.base

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduled_slots",
        sa.Column("job", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=40), nullable=False),
        sa.Column("scheduled_for", lakemesh.catalog.tables.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("replica", sa.String(length=255), nullable=False),
        sa.Column("run_id", sa.String(length=40), nullable=True),
        sa.Column("claimed_at", lakemesh.catalog.tables.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", lakemesh.catalog.tables.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("job", "owner_id", "scheduled_for", name=op.f("pk_scheduled_slots")),
    )
    with op.batch_alter_table("scheduled_slots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scheduled_slots_state"), ["state"], unique=False)
    # "Products served from table T" answered from the index alone (lineage walks over large meshes).
    op.create_index("ix_products_table_id_domain_slug", "products", ["table_id", "domain_id", "slug"])


def downgrade() -> None:
    op.drop_index("ix_products_table_id_domain_slug", table_name="products")
    with op.batch_alter_table("scheduled_slots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheduled_slots_state"))
    op.drop_table("scheduled_slots")
