"""Semantic models over tables and products, queried through governed SQL; domains count and purge them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakemesh.semantic.lineage import ModelLineage
from lakemesh.semantic.service import SemanticService, count_models, purge_models

if TYPE_CHECKING:
    from lakemesh.platform import Platform


def install(platform: Platform) -> None:
    p = platform
    p.semantic = SemanticService(p.catalog, p.authorizer, p.clock, p.domains, p.products, p.tables, p.query)
    p.domains.register_dependent(count_models, purge_models)
    models = ModelLineage()
    p.lineage.register_items("semantic_model", models.named)
    p.lineage.register_models(models)
