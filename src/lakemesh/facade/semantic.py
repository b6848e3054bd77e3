"""Semantic models on the in-process `Mesh`, including the seed's `evaluate_dax`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pyarrow as pa

from lakemesh.auth.models import Principal
from lakemesh.core.errors import ErrorItem, InvalidInput, NotFound
from lakemesh.core.validation import parse_model
from lakemesh.facade.operation import Args, every, remote
from lakemesh.semantic.models import SemanticModel, SemanticModelVersion, SemanticQuery, parse_model_document

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

    from lakemesh.platform import Platform
    from lakemesh.sdk.transport import Transport

MODELS = "/api/v1/domains/{domain}/semantic-models"
MODEL = MODELS + "/{model}"


def _semantic_query(a: Args) -> dict[str, Any]:
    lists = {k: a[k] or [] for k in ("dimensions", "measures", "filters", "order_by")}
    return {"dax": a["dax"], **lists, "descending": a["descending"], "limit": a["limit"]}


def _query(http: Transport, path: str, a: Args) -> pa.Table:
    return http.arrow("POST", path, json=_semantic_query(a) | {"format": "arrow"})


def _list_models(http: Transport, path: str, a: Args) -> list[SemanticModel]:
    domain = a["domain"]
    path = f"/api/v1/domains/{quote(domain, safe='')}/semantic-models" if domain is not None else path
    return [SemanticModel.model_validate(m) for m in http.pages(path)]


def _evaluate_dax(http: Transport, path: str, a: Args) -> pd.DataFrame:
    dataset, domain = a["dataset"], a["workspace"]
    if domain is None:
        found = http.pages("/api/v1/semantic-models", {"name": dataset})
        if not found:
            raise NotFound(f"Semantic model {dataset!r} not found")
        if len(found) > 1:
            raise InvalidInput(
                f"Several domains have a model named {dataset!r}; give workspace=",
                errors=[ErrorItem(("workspace",), "required: the model's name is not unique")],
            )
        domain = str(found[0]["domain"])
    url = f"/api/v1/domains/{quote(domain, safe='')}/semantic-models/{quote(dataset, safe='')}/query"
    return http.arrow("POST", url, json={"dax": a["dax_string"], "format": "arrow"}).to_pandas()


class SemanticMethods:
    platform: Platform
    principal: Principal

    @remote("PUT", MODELS + "/{model[name]}", body="model")
    def put_semantic_model(self, domain: str, model: dict[str, Any]) -> SemanticModel:
        """Create or replace a model from its document (the dict form of the YAML in docs/semantic.md)."""
        spec = parse_model_document(model)
        return self.platform.semantic.put(self.principal, domain, spec.name, spec)

    @remote("GET", MODEL)
    def get_semantic_model(self, domain: str, model: str) -> SemanticModel:
        return self.platform.semantic.get(self.principal, domain, model)

    @remote("GET", "/api/v1/semantic-models", call=_list_models)
    def list_semantic_models(self, domain: str | None = None) -> list[SemanticModel]:
        return every(
            lambda cursor: self.platform.semantic.list_models(self.principal, domain=domain, limit=500, cursor=cursor)
        )

    @remote("GET", MODEL + "/versions")
    def semantic_model_versions(self, domain: str, model: str) -> list[SemanticModelVersion]:
        return self.platform.semantic.versions(self.principal, domain, model)

    @remote("DELETE", MODEL)
    def delete_semantic_model(self, domain: str, model: str) -> None:
        self.platform.semantic.delete(self.principal, domain, model)

    @remote("POST", MODEL + "/query", call=_query)
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
        request = parse_model(SemanticQuery, _semantic_query(locals()))
        return self.platform.semantic.query(self.principal, domain, model, request).table

    @remote("POST", "/api/v1/domains/{workspace}/semantic-models/{dataset}/query", call=_evaluate_dax)
    def evaluate_dax(self, dataset: str, dax_string: str, workspace: str | None = None) -> pd.DataFrame:
        """Semantic Link's `fabric.evaluate_dax(dataset=..., dax_string=..., workspace=...)`: a pandas DataFrame."""
        outcome = self.platform.semantic.evaluate_dax(self.principal, dataset, dax_string, workspace=workspace)
        return outcome.table.to_pandas()
