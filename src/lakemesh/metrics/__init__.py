"""Mesh health metrics: computed live from the catalog, snapshotted daily into the `mesh_metrics` Delta table."""
