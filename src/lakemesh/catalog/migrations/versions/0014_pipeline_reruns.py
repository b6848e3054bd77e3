"""pipeline reruns: a run started again from a failed one points back at it

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 04:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pipeline_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rerun_of", sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f("ix_pipeline_runs_rerun_of"), ["rerun_of"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pipeline_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pipeline_runs_rerun_of"))
        batch_op.drop_column("rerun_of")
