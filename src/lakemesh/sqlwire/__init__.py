"""The SQL endpoint: governed SQL over the PostgreSQL wire protocol, for BI tools, psql and drivers.

An edge: it translates names, shapes and errors, and runs every statement through the same governed query
service as `POST /api/v1/query`. See docs/sql-endpoint.md.
"""
