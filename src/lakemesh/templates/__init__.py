"""Self-serve templates: named documents that lakehouses and pipelines are created from."""
