"""glossary: links indexed by (term, status) and terms by updated_at, so a search neither scans links nor terms

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 02:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the composite index also serves every lookup by term alone (its leading column), so it replaces that one
    op.create_index("ix_glossary_links_term_status", "glossary_links", ["term_id", "status"], unique=False)
    op.drop_index(op.f("ix_glossary_links_term_id"), table_name="glossary_links")
    op.create_index(op.f("ix_glossary_terms_updated_at"), "glossary_terms", ["updated_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_glossary_terms_updated_at"), table_name="glossary_terms")
    op.create_index(op.f("ix_glossary_links_term_id"), "glossary_links", ["term_id"], unique=False)
    op.drop_index("ix_glossary_links_term_status", table_name="glossary_links")
