"""tokens: a SCRAM-SHA-256 verifier per API token, so the SQL endpoint can check a token without TLS

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 02:00:00.000000

Tokens created before this revision keep NULL verifiers: their secrets are known only as hashes, so no
verifier can be derived; they keep working everywhere except SCRAM (re-create them to use SCRAM).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scram_salt", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("scram_iterations", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("scram_stored_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("scram_server_key", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        for column in ("scram_server_key", "scram_stored_key", "scram_iterations", "scram_salt"):
            batch_op.drop_column(column)
