"""classification: suggestions, custom classifiers, per-domain settings

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-06 20:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from lakemesh.catalog.tables.base import JsonType, UtcDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "classification_suggestions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("table_id", sa.String(length=40), nullable=False),
        sa.Column("domain_id", sa.String(length=40), nullable=False),
        sa.Column("table_name", sa.String(length=400), nullable=False),
        sa.Column("column_name", sa.String(length=256), nullable=False),
        sa.Column("classification", sa.String(length=64), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("sample_count", sa.Integer(), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classification_suggestions")),
        sa.UniqueConstraint("table_id", "column_name", "classification", name="uq_classification_suggestion"),
    )
    op.create_index(
        op.f("ix_classification_suggestions_table_id"), "classification_suggestions", ["table_id"], unique=False
    )
    op.create_index(
        "ix_classification_suggestions_domain_status", "classification_suggestions", ["domain_id", "status"]
    )
    op.create_table(
        "custom_classifiers",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("spec", JsonType, nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_custom_classifiers")),
    )
    op.create_table(
        "classification_settings",
        sa.Column("domain_id", sa.String(length=40), nullable=False),
        sa.Column("auto_accept_above", sa.Float(), nullable=True),
        sa.Column("every", sa.String(length=16), nullable=True),
        sa.Column("last_scan_at", UtcDateTime(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("domain_id", name=op.f("pk_classification_settings")),
    )


def downgrade() -> None:
    op.drop_table("classification_settings")
    op.drop_table("custom_classifiers")
    op.drop_index("ix_classification_suggestions_domain_status", table_name="classification_suggestions")
    op.drop_index(op.f("ix_classification_suggestions_table_id"), table_name="classification_suggestions")
    op.drop_table("classification_suggestions")
