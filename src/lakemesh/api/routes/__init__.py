"""One module per resource of /api/v1 (see shared/API.md)."""
