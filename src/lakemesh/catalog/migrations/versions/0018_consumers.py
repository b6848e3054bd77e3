"""consumers: incidents on products, subscriptions, announcements, notifications and intake forms

Revision ID: 0018
Revises: 0014
Create Date: 2026-12-06 20:00:00.000000
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import lakemesh.catalog.tables.base

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

UtcDateTime = lakemesh.catalog.tables.base.UtcDateTime
CONSUMERS = ("incidents", "subscriptions")


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _product_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["product_id"], ["products.id"], name=op.f(f"fk_{table}_product_id_products"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("domain_id", sa.String(length=40), nullable=False),
        sa.Column("cause", sa.String(length=200), nullable=False),
        sa.Column("open_cause", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=400), nullable=False),
        sa.Column("assignee", sa.String(length=254), nullable=True),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("opened_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=128), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("timeline", _json(), nullable=False),
        _product_fk("incidents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("product_id", "open_cause", name=op.f("uq_incidents_product_id")),
    )
    op.create_index(op.f("ix_incidents_domain_id"), "incidents", ["domain_id"], unique=False)
    op.create_index(op.f("ix_incidents_product_id"), "incidents", ["product_id"], unique=False)
    op.create_index(op.f("ix_incidents_state"), "incidents", ["state"], unique=False)
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("recipient_kind", sa.String(length=16), nullable=False),
        sa.Column("recipient_id", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("product", sa.String(length=300), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=400), nullable=False),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("at", UtcDateTime(timezone=True), nullable=False),
        _product_fk("notifications"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(op.f("ix_notifications_product_id"), "notifications", ["product_id"], unique=False)
    op.create_index(
        "ix_notifications_recipient", "notifications", ["recipient_kind", "recipient_id", "id"], unique=False
    )
    op.create_table(
        "product_announcements",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("starts_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        _product_fk("product_announcements"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_announcements")),
    )
    op.create_index(op.f("ix_product_announcements_product_id"), "product_announcements", ["product_id"], unique=False)
    op.create_table(
        "product_subscriptions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("subscriber_kind", sa.String(length=16), nullable=False),
        sa.Column("subscriber_id", sa.String(length=40), nullable=False),
        sa.Column("subscriber", sa.String(length=160), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        _product_fk("product_subscriptions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_subscriptions")),
        sa.UniqueConstraint(
            "product_id", "subscriber_kind", "subscriber_id", name=op.f("uq_product_subscriptions_product_id")
        ),
    )
    op.create_index(op.f("ix_product_subscriptions_product_id"), "product_subscriptions", ["product_id"], unique=False)
    op.create_index(
        "ix_product_subscriptions_subscriber",
        "product_subscriptions",
        ["subscriber_kind", "subscriber_id"],
        unique=False,
    )

    op.create_table(
        "intake_forms",
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("schema", _json(), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=True),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_intake_forms")),
    )

    # The new outbox consumers start at the current end of the outbox: an upgraded deployment must not replay its
    # history (old failed runs opening incidents, old deprecations notified to today's grantees).
    bind = op.get_bind()
    newest = bind.execute(sa.text("SELECT MAX(id) FROM outbox")).scalar() or 0
    cursors = sa.table(
        "outbox_cursors",
        sa.column("consumer", sa.String()),
        sa.column("last_id", sa.BigInteger()),
        sa.column("updated_at", UtcDateTime(timezone=True)),
    )
    op.execute(sa.text("DELETE FROM outbox_cursors WHERE consumer IN ('incidents', 'subscriptions')"))
    op.bulk_insert(
        cursors,
        [{"consumer": c, "last_id": int(newest), "updated_at": datetime.now(UTC)} for c in CONSUMERS],
    )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM outbox_cursors WHERE consumer IN ('incidents', 'subscriptions')"))
    op.drop_table("intake_forms")
    op.drop_index("ix_product_subscriptions_subscriber", table_name="product_subscriptions")
    op.drop_index(op.f("ix_product_subscriptions_product_id"), table_name="product_subscriptions")
    op.drop_table("product_subscriptions")
    op.drop_index(op.f("ix_product_announcements_product_id"), table_name="product_announcements")
    op.drop_table("product_announcements")
    op.drop_index("ix_notifications_recipient", table_name="notifications")
    op.drop_index(op.f("ix_notifications_product_id"), table_name="notifications")
    op.drop_table("notifications")
    op.drop_index(op.f("ix_incidents_state"), table_name="incidents")
    op.drop_index(op.f("ix_incidents_product_id"), table_name="incidents")
    op.drop_index(op.f("ix_incidents_domain_id"), table_name="incidents")
    op.drop_table("incidents")
