"""Lineage: OpenLineage events from pipelines and outside tools, and the graph across the mesh."""
