"""Semantic models over REST, including the seed's `evaluate_dax` (a pandas DataFrame)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pyarrow as pa

from lakemesh.core.errors import ErrorItem, InvalidInput, NotFound
from lakemesh.sdk.transport import Transport
from lakemesh.semantic.models import SemanticModel, SemanticModelVersion

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]


def _path(domain: str, model: str | None = None) -> str:
    base = f"/api/v1/domains/{quote(domain, safe='')}/semantic-models"
    return f"{base}/{quote(model, safe='')}" if model is not None else base


class RemoteSemanticMethods:
    _http: Transport

    def put_semantic_model(self, domain: str, model: dict[str, Any]) -> SemanticModel:
        name = str(model.get("name", ""))
        return SemanticModel.model_validate(self._http.json("PUT", _path(domain, name or "-"), json=model))

    def get_semantic_model(self, domain: str, model: str) -> SemanticModel:
        return SemanticModel.model_validate(self._http.json("GET", _path(domain, model)))

    def list_semantic_models(self, domain: str | None = None) -> list[SemanticModel]:
        path = _path(domain) if domain is not None else "/api/v1/semantic-models"
        return [SemanticModel.model_validate(m) for m in self._http.pages(path)]

    def semantic_model_versions(self, domain: str, model: str) -> list[SemanticModelVersion]:
        items = self._http.json("GET", f"{_path(domain, model)}/versions")["items"]
        return [SemanticModelVersion.model_validate(v) for v in items]

    def delete_semantic_model(self, domain: str, model: str) -> None:
        self._http.request("DELETE", _path(domain, model))

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
        body = {
            "dax": dax,
            "dimensions": dimensions or [],
            "measures": measures or [],
            "filters": filters or [],
            "order_by": order_by or [],
            "descending": descending,
            "limit": limit,
            "format": "arrow",
        }
        response = self._http.request("POST", f"{_path(domain, model)}/query", json=body)
        return pa.ipc.open_stream(response.content).read_all()

    def evaluate_dax(self, dataset: str, dax_string: str, workspace: str | None = None) -> pd.DataFrame:
        """Semantic Link's `fabric.evaluate_dax(dataset=..., dax_string=..., workspace=...)`: a pandas DataFrame."""
        domain = workspace if workspace is not None else self._domain_of(dataset)
        return self.query_semantic_model(domain, dataset, dax=dax_string).to_pandas()

    def _domain_of(self, dataset: str) -> str:
        found = self._http.pages("/api/v1/semantic-models", {"name": dataset})
        if not found:
            raise NotFound(f"Semantic model {dataset!r} not found")
        if len(found) > 1:
            raise InvalidInput(
                f"Several domains have a model named {dataset!r}; give workspace=",
                errors=[ErrorItem(("workspace",), "required: the model's name is not unique")],
            )
        return str(found[0]["domain"])
