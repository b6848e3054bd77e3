"""council: domain representatives, the voting rule, proposals, votes and cases

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 23:00:00.000000
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import lakemesh.catalog.tables.base

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

UtcDateTime = lakemesh.catalog.tables.base.UtcDateTime


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "council_seats",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("domain_id", sa.String(length=40), nullable=False),
        sa.Column("principal_id", sa.String(length=40), nullable=False),
        sa.Column("appointed_by", sa.String(length=128), nullable=True),
        sa.Column("appointed_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["domain_id"], ["domains.id"], name=op.f("fk_council_seats_domain_id_domains"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_seats")),
        sa.UniqueConstraint("domain_id", "principal_id", name=op.f("uq_council_seats_domain_id")),
    )
    op.create_index(op.f("ix_council_seats_domain_id"), "council_seats", ["domain_id"], unique=False)
    op.create_index(op.f("ix_council_seats_principal_id"), "council_seats", ["principal_id"], unique=False)
    op.create_table(
        "council_rules",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("rule", _json(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=True),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_council_rules")),
    )
    op.create_table(
        "council_proposals",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=400), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("change", _json(), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("impact", _json(), nullable=True),
        sa.Column("rule", _json(), nullable=False),
        sa.Column("electorate", _json(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("opened_by", sa.String(length=128), nullable=True),
        sa.Column("opened_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("applied", _json(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_proposals")),
    )
    op.create_index(op.f("ix_council_proposals_state"), "council_proposals", ["state"], unique=False)
    op.create_table(
        "council_votes",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("proposal_id", sa.String(length=40), nullable=False),
        sa.Column("domain_id", sa.String(length=40), nullable=False),
        sa.Column("domain", sa.String(length=200), nullable=False),
        sa.Column("voter_id", sa.String(length=40), nullable=False),
        sa.Column("voter", sa.String(length=254), nullable=False),
        sa.Column("vote", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["council_proposals.id"],
            name=op.f("fk_council_votes_proposal_id_council_proposals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_votes")),
        sa.UniqueConstraint("proposal_id", "domain_id", name=op.f("uq_council_votes_proposal_id")),
    )
    op.create_index(op.f("ix_council_votes_proposal_id"), "council_votes", ["proposal_id"], unique=False)
    op.create_table(
        "council_cases",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=400), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("domains", _json(), nullable=False),
        sa.Column("subjects", _json(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("opened_by", sa.String(length=128), nullable=True),
        sa.Column("opened_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.Column("actions", _json(), nullable=False),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.Column("decided_at", UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_cases")),
    )
    op.create_index(op.f("ix_council_cases_state"), "council_cases", ["state"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_council_cases_state"), table_name="council_cases")
    op.drop_table("council_cases")
    op.drop_index(op.f("ix_council_votes_proposal_id"), table_name="council_votes")
    op.drop_table("council_votes")
    op.drop_index(op.f("ix_council_proposals_state"), table_name="council_proposals")
    op.drop_table("council_proposals")
    op.drop_table("council_rules")
    op.drop_index(op.f("ix_council_seats_principal_id"), table_name="council_seats")
    op.drop_index(op.f("ix_council_seats_domain_id"), table_name="council_seats")
    op.drop_table("council_seats")
