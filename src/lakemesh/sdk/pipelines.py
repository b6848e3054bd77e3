"""Pipelines, runs, lineage and self-serve over REST: the same methods as the in-process Mesh."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from lakemesh.lineage.models import Impact, LineageGraph, LineageReceipt
from lakemesh.pipelines.models import Pipeline, PipelineRun, PipelineSpec, PipelineVersion, RunLogLine
from lakemesh.sdk.transport import Transport
from lakemesh.selfserve.models import DomainLakehouse


def _path(domain: str, name: str | None = None) -> str:
    base = f"/api/v1/domains/{quote(domain, safe='')}/pipelines"
    return f"{base}/{quote(name, safe='')}" if name is not None else base


class RemotePipelineMethods:
    _http: Transport

    # -- self-serve ------------------------------------------------------------------------------
    def create_domain_lakehouse(
        self, domain_name: str, steward_email: str, capacity_id: str | None = None, **options: Any
    ) -> DomainLakehouse:
        body = {"domain_name": domain_name, "steward_email": steward_email, "capacity_id": capacity_id, **options}
        return DomainLakehouse.model_validate(self._http.json("POST", "/api/v1/self-serve/domain-lakehouse", json=body))

    # -- pipelines -------------------------------------------------------------------------------
    def apply_pipeline(self, domain: str, spec: dict[str, Any] | PipelineSpec) -> Pipeline:
        document = spec.model_dump(mode="json", exclude_none=True) if isinstance(spec, PipelineSpec) else dict(spec)
        name = str(document.get("name", ""))
        return Pipeline.model_validate(self._http.json("PUT", _path(domain, name), json=document))

    def list_pipelines(self, domain: str) -> list[Pipeline]:
        return [Pipeline.model_validate(p) for p in self._http.json("GET", _path(domain))["items"]]

    def get_pipeline(self, domain: str, name: str) -> Pipeline:
        return Pipeline.model_validate(self._http.json("GET", _path(domain, name)))

    def pipeline_versions(self, domain: str, name: str) -> list[PipelineVersion]:
        page = self._http.json("GET", f"{_path(domain, name)}/versions")
        return [PipelineVersion.model_validate(v) for v in page["items"]]

    def delete_pipeline(self, domain: str, name: str) -> None:
        self._http.request("DELETE", _path(domain, name))

    # -- runs ------------------------------------------------------------------------------------
    def run_pipeline(self, domain: str, name: str, *, wait: bool = True) -> PipelineRun:
        params = {"wait": str(wait).lower()}
        return PipelineRun.model_validate(self._http.json("POST", f"{_path(domain, name)}/runs", params=params))

    def list_runs(self, domain: str, name: str, *, limit: int = 50) -> list[PipelineRun]:
        page = self._http.json("GET", f"{_path(domain, name)}/runs", params={"limit": limit})
        return [PipelineRun.model_validate(r) for r in page["items"]]

    def get_run(self, domain: str, name: str, run_id: str) -> PipelineRun:
        return PipelineRun.model_validate(self._http.json("GET", f"{_path(domain, name)}/runs/{quote(run_id)}"))

    def run_logs(self, domain: str, name: str, run_id: str, *, after: int = 0) -> list[RunLogLine]:
        url = f"{_path(domain, name)}/runs/{quote(run_id)}/logs"
        response = self._http.request("GET", url, params={"after": after})
        return [RunLogLine.model_validate(json.loads(line)) for line in response.text.splitlines() if line.strip()]

    def cancel_run(self, domain: str, name: str, run_id: str) -> PipelineRun:
        url = f"{_path(domain, name)}/runs/{quote(run_id)}/cancel"
        return PipelineRun.model_validate(self._http.json("POST", url))

    def rerun_pipeline_run(self, domain: str, name: str, run_id: str, *, wait: bool = True) -> PipelineRun:
        url = f"{_path(domain, name)}/runs/{quote(run_id)}/rerun"
        return PipelineRun.model_validate(self._http.json("POST", url, params={"wait": str(wait).lower()}))

    # -- lineage ---------------------------------------------------------------------------------
    def post_lineage(self, event: dict[str, Any]) -> LineageReceipt:
        return LineageReceipt.model_validate(self._http.json("POST", "/api/v1/lineage", json=event))

    def lineage_graph(self, node: str, *, depth: int = 3, direction: str = "both") -> LineageGraph:
        params = {"node": node, "depth": depth, "direction": direction}
        return LineageGraph.model_validate(self._http.json("GET", "/api/v1/lineage/graph", params=params))

    def lineage_impact(self, node: str, *, column: str | None = None) -> Impact:
        params = {"node": node, **({"column": column} if column else {})}
        return Impact.model_validate(self._http.json("GET", "/api/v1/lineage/impact", params=params))
