"""IdP identities: people and workloads from the company's OpenID Connect provider, keyed by (issuer, subject);
web sessions signed in through the IdP hold no API token

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-06 19:45:00.000000
"""

from __future__ import annotations

import warnings

import sqlalchemy as sa
from alembic import op

import lakemesh.catalog.tables.base

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idp_identities",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("issuer", sa.String(length=512), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("principal_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", lakemesh.catalog.tables.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", lakemesh.catalog.tables.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["principal_id"],
            ["principals.id"],
            name=op.f("fk_idp_identities_principal_id_principals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idp_identities")),
        sa.UniqueConstraint("issuer", "subject", name=op.f("uq_idp_identities_issuer")),
    )
    with op.batch_alter_table("idp_identities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idp_identities_principal_id"), ["principal_id"], unique=False)
    # SQLite rebuilds the table and reflects principals (its foreign key), whose expression index SQLAlchemy cannot
    # reflect; the index is not touched, so its warning would only be noise on every new home's first start.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Skipped unsupported reflection", category=sa.exc.SAWarning)
        with op.batch_alter_table("web_sessions", schema=None) as batch_op:
            batch_op.alter_column(
                "token_id",
                existing_type=sa.String(length=40),
                nullable=True,
                comment="none when signed in through the IdP",
            )


def downgrade() -> None:
    op.execute("DELETE FROM web_sessions WHERE token_id IS NULL")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Skipped unsupported reflection", category=sa.exc.SAWarning)
        with op.batch_alter_table("web_sessions", schema=None) as batch_op:
            batch_op.alter_column("token_id", existing_type=sa.String(length=40), nullable=False, comment=None)
    with op.batch_alter_table("idp_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idp_identities_principal_id"))
    op.drop_table("idp_identities")
