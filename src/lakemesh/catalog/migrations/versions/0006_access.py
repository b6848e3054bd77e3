"""access: access requests, grants, access settings and the search index

Revision ID: 0006
Revises: 0005

Full text is backend-specific: an FTS5 table (`search_fts`, plus `search_vocab`) on SQLite; a generated
`tsv` tsvector column with a GIN index, and pg_trgm trigram indexes when the extension can be created,
on PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import lakemesh.catalog.tables.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
Stamp = lakemesh.catalog.tables.base.UtcDateTime(timezone=True)
AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_PG_TSV = """
ALTER TABLE search_documents ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', coalesce(name, '')), 'A') ||
    setweight(to_tsvector('simple', coalesce(tags_text, '')), 'B') ||
    setweight(to_tsvector('simple', coalesce(description, '')), 'C') ||
    setweight(to_tsvector('simple', coalesce(columns_text, '')), 'D')
) STORED
"""
# pg_trgm needs CREATE privilege on the database; without it search still works, only without trigram indexes.
_PG_TRGM = """
DO $$
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'pg_trgm is not available; search runs without trigram indexes';
    END;
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        EXECUTE 'CREATE INDEX IF NOT EXISTS ix_search_documents_name_trgm ON search_documents USING gin (lower(name) gin_trgm_ops)';
        EXECUTE 'CREATE INDEX IF NOT EXISTS ix_search_terms_term_trgm ON search_terms USING gin (term gin_trgm_ops)';
    END IF;
END $$;
"""


def upgrade() -> None:
    op.create_table(
        "access_requests",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("domain_id", sa.String(length=40), nullable=False),
        sa.Column("requester_id", sa.String(length=40), nullable=False),
        sa.Column("requester", sa.String(length=128), nullable=False),
        sa.Column("grantee_kind", sa.String(length=16), nullable=False),
        sa.Column("grantee_id", sa.String(length=40), nullable=False),
        sa.Column("grantee", sa.String(length=160), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("columns", Json, nullable=True),
        sa.Column("duration", sa.String(length=32), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.Column("decided_at", Stamp, nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("grant_id", sa.String(length=40), nullable=True),
        sa.Column("history", Json, nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_access_requests_product_id_products"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"],
            ["principals.id"],
            name=op.f("fk_access_requests_requester_id_principals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_requests")),
    )
    with op.batch_alter_table("access_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_requests_product_id"), ["product_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_requests_domain_id"), ["domain_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_requests_requester_id"), ["requester_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_requests_grantee_id"), ["grantee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_requests_state"), ["state"], unique=False)

    op.create_table(
        "access_grants",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("domain_id", sa.String(length=40), nullable=False),
        sa.Column("grantee_kind", sa.String(length=16), nullable=False),
        sa.Column("grantee_id", sa.String(length=40), nullable=False),
        sa.Column("grantee", sa.String(length=160), nullable=False),
        sa.Column("columns", Json, nullable=True),
        sa.Column("expires_at", Stamp, nullable=True),
        sa.Column("request_id", sa.String(length=40), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("revoked_at", Stamp, nullable=True),
        sa.Column("revoked_by", sa.String(length=128), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.Column("expired_at", Stamp, nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_access_grants_product_id_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_grants")),
    )
    with op.batch_alter_table("access_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_grants_product_id"), ["product_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_grants_domain_id"), ["domain_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_grants_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index("ix_access_grants_grantee", ["grantee_kind", "grantee_id"], unique=False)

    op.create_table(
        "access_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", Json, nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_access_settings")),
    )

    op.create_table(
        "search_documents",
        sa.Column("id", AutoId, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("object_id", sa.String(length=40), nullable=False),
        sa.Column("parent_id", sa.String(length=40), nullable=True),
        sa.Column("domain_id", sa.String(length=40), nullable=False),
        sa.Column("domain", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("qualified_name", sa.String(length=400), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tags_text", sa.Text(), nullable=False),
        sa.Column("columns_text", sa.Text(), nullable=False),
        sa.Column("tags", Json, nullable=False),
        sa.Column("owner", sa.String(length=254), nullable=True),
        sa.Column("classification", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("layer", sa.String(length=16), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("quality_score", sa.Float(), nullable=True),
        sa.Column("updated_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_documents")),
        sa.UniqueConstraint("key", name=op.f("uq_search_documents_key")),
    )
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_documents_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_documents_object_id"), ["object_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_documents_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_documents_domain_id"), ["domain_id"], unique=False)

    op.create_table(
        "search_tags",
        sa.Column("document_id", AutoId, nullable=False),
        sa.Column("tag", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["search_documents.id"],
            name=op.f("fk_search_tags_document_id_search_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", "tag", name=op.f("pk_search_tags")),
    )
    with op.batch_alter_table("search_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_tags_tag"), ["tag"], unique=False)

    op.create_table(
        "search_terms",
        sa.Column("term", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("term", name=op.f("pk_search_terms")),
    )

    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5("
            "name, tags, description, columns, tokenize = 'unicode61 remove_diacritics 2')"
        )
    elif op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_TSV)
        op.execute("CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (tsv)")
        op.execute(_PG_TRGM)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")
    elif op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_terms_term_trgm")
        op.execute("DROP INDEX IF EXISTS ix_search_documents_name_trgm")
        op.execute("DROP INDEX IF EXISTS ix_search_documents_tsv")
    op.drop_table("search_terms")
    with op.batch_alter_table("search_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_tags_tag"))
    op.drop_table("search_tags")
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_documents_domain_id"))
        batch_op.drop_index(batch_op.f("ix_search_documents_parent_id"))
        batch_op.drop_index(batch_op.f("ix_search_documents_object_id"))
        batch_op.drop_index(batch_op.f("ix_search_documents_kind"))
    op.drop_table("search_documents")
    op.drop_table("access_settings")
    with op.batch_alter_table("access_grants", schema=None) as batch_op:
        batch_op.drop_index("ix_access_grants_grantee")
        batch_op.drop_index(batch_op.f("ix_access_grants_expires_at"))
        batch_op.drop_index(batch_op.f("ix_access_grants_domain_id"))
        batch_op.drop_index(batch_op.f("ix_access_grants_product_id"))
    op.drop_table("access_grants")
    with op.batch_alter_table("access_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_requests_state"))
        batch_op.drop_index(batch_op.f("ix_access_requests_grantee_id"))
        batch_op.drop_index(batch_op.f("ix_access_requests_requester_id"))
        batch_op.drop_index(batch_op.f("ix_access_requests_domain_id"))
        batch_op.drop_index(batch_op.f("ix_access_requests_product_id"))
    op.drop_table("access_requests")
