"""governance: tables of the governance capability

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import lakemesh.catalog.tables.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UtcDateTime = lakemesh.catalog.tables.base.UtcDateTime


def _json() -> Any:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "policies",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("slug", sa.String(length=128), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("domain_id", sa.String(length=40), nullable=True),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("enforcement", sa.String(length=8), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("document", _json(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=True),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["domain_id"], ["domains.id"], name=op.f("fk_policies_domain_id_domains"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policies")),
        sa.UniqueConstraint("slug", name=op.f("uq_policies_slug")),
    )
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policies_domain_id"), ["domain_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policies_scope"), ["scope"], unique=False)

    op.create_table(
        "policy_versions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("policy_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", _json(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"], ["policies.id"], name=op.f("fk_policy_versions_policy_id_policies"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_versions")),
        sa.UniqueConstraint("policy_id", "version", name=op.f("uq_policy_versions_policy_id")),
    )
    with op.batch_alter_table("policy_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_versions_policy_id"), ["policy_id"], unique=False)

    op.create_table(
        "governance_violations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("policy_id", sa.String(length=40), nullable=False),
        sa.Column("policy_name", sa.String(length=128), nullable=False),
        sa.Column("enforcement", sa.String(length=8), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("subject_id", sa.String(length=600), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("domain_id", sa.String(length=40), nullable=True),
        sa.Column("domain", sa.String(length=128), nullable=True),
        sa.Column("finding", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("first_seen_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_violations")),
    )
    with op.batch_alter_table("governance_violations", schema=None) as batch_op:
        batch_op.create_index("ix_governance_violations_lookup", ["status", "policy_id", "subject_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_governance_violations_domain_id"), ["domain_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_governance_violations_policy_id"), ["policy_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_governance_violations_severity"), ["severity"], unique=False)

    op.create_table(
        "governance_notifications",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("policy_name", sa.String(length=128), nullable=False),
        sa.Column("subject_id", sa.String(length=600), nullable=False),
        sa.Column("domain_id", sa.String(length=40), nullable=True),
        sa.Column("domain", sa.String(length=128), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_notifications")),
    )
    with op.batch_alter_table("governance_notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_governance_notifications_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_governance_notifications_domain_id"), ["domain_id"], unique=False)

    op.create_table(
        "governance_webhooks",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("domain_id", sa.String(length=40), nullable=True),
        sa.Column("events", _json(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["domain_id"], ["domains.id"], name=op.f("fk_governance_webhooks_domain_id_domains"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_webhooks")),
    )
    with op.batch_alter_table("governance_webhooks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_governance_webhooks_domain_id"), ["domain_id"], unique=False)

    op.create_table(
        "governance_webhook_deliveries",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("webhook_id", sa.String(length=40), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("body", _json(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["governance_webhooks.id"],
            name=op.f("fk_governance_webhook_deliveries_webhook_id_governance_webhooks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_webhook_deliveries")),
    )
    with op.batch_alter_table("governance_webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_governance_webhook_deliveries_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_governance_webhook_deliveries_webhook_id"), ["webhook_id"], unique=False)


def downgrade() -> None:
    op.drop_table("governance_webhook_deliveries")
    op.drop_table("governance_webhooks")
    op.drop_table("governance_notifications")
    op.drop_table("governance_violations")
    op.drop_table("policy_versions")
    op.drop_table("policies")
