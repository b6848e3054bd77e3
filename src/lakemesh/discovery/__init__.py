"""Discovery: search over products, tables and columns, kept in step with the catalog through the outbox."""
