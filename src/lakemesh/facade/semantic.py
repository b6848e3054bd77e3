"""Semantic models on the in-process `Mesh`, including the seed's `evaluate_dax`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow as pa

from lakemesh.auth.models import Principal
from lakemesh.core.validation import parse_model
from lakemesh.platform import Platform
from lakemesh.semantic.models import SemanticModel, SemanticModelVersion, SemanticQuery, parse_model_document

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]


class SemanticMethods:
    platform: Platform
    principal: Principal

    def put_semantic_model(self, domain: str, model: dict[str, Any]) -> SemanticModel:
        """Create or replace a model from its document (the dict form of the YAML in docs/semantic.md)."""
        spec = parse_model_document(model)
        return self.platform.semantic.put(self.principal, domain, spec.name, spec)

    def get_semantic_model(self, domain: str, model: str) -> SemanticModel:
        return self.platform.semantic.get(self.principal, domain, model)

    def list_semantic_models(self, domain: str | None = None) -> list[SemanticModel]:
        items: list[SemanticModel] = []
        cursor = None
        while True:
            page = self.platform.semantic.list_models(self.principal, domain=domain, limit=500, cursor=cursor)
            items.extend(page.items)
            if not page.next_cursor:
                return items
            cursor = page.next_cursor

    def semantic_model_versions(self, domain: str, model: str) -> list[SemanticModelVersion]:
        return self.platform.semantic.versions(self.principal, domain, model)

    def delete_semantic_model(self, domain: str, model: str) -> None:
        self.platform.semantic.delete(self.principal, domain, model)

    def query_semantic_model(
        self,
        domain: str,
        model: str,
        *,
        dax: str | None = None,
        dimensions: list[str] | None = None,
        measures: list[str] | None = None,
        filters: list[dict[str, Any]] | None = None,
        order_by: list[str] | None = None,
        descending: bool = False,
        limit: int | None = None,
    ) -> pa.Table:
        """DAX text, or the JSON form (dimensions, measures, filters); columns are named like `Customers[Segment]`."""
        body = {
            "dax": dax,
            "dimensions": dimensions or [],
            "measures": measures or [],
            "filters": filters or [],
            "order_by": order_by or [],
            "descending": descending,
            "limit": limit,
        }
        request = parse_model(SemanticQuery, body)
        return self.platform.semantic.query(self.principal, domain, model, request).table

    def evaluate_dax(self, dataset: str, dax_string: str, workspace: str | None = None) -> pd.DataFrame:
        """Semantic Link's `fabric.evaluate_dax(dataset=..., dax_string=..., workspace=...)`: a pandas DataFrame."""
        outcome = self.platform.semantic.evaluate_dax(self.principal, dataset, dax_string, workspace=workspace)
        return outcome.table.to_pandas()
