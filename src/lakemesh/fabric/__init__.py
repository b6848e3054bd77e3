"""Semantic link for notebooks: `import lakemesh.fabric as fabric`; workspaces are domains, datasets semantic models."""

from lakemesh.fabric.semantic_link import connect, evaluate_dax, list_datasets, list_measures, read_table

__all__ = ["connect", "evaluate_dax", "list_datasets", "list_measures", "read_table"]
