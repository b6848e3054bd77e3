"""Pipelines, runs, lineage and self-serve on the in-process `Mesh`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from lakemesh.auth.models import Principal
from lakemesh.core.errors import invalid
from lakemesh.core.validation import parse_model
from lakemesh.facade.operation import Args, remote
from lakemesh.lineage.models import Impact, LineageGraph, LineageReceipt
from lakemesh.pipelines.models import Pipeline, PipelineRun, PipelineSpec, PipelineVersion, RunLogLine
from lakemesh.selfserve.models import DomainLakehouse, DomainLakehouseRequest

if TYPE_CHECKING:
    from lakemesh.platform import Platform
    from lakemesh.sdk.transport import Transport

PIPELINES = "/api/v1/domains/{domain}/pipelines"
PIPELINE = PIPELINES + "/{name}"
RUN = PIPELINE + "/runs/{run_id}"


def _document(a: Args) -> dict[str, Any]:
    spec = a["spec"]
    return spec.model_dump(mode="json", exclude_none=True) if isinstance(spec, PipelineSpec) else dict(spec)


def _logs(http: Transport, path: str, a: Args) -> list[RunLogLine]:
    text = http.request("GET", path, params={"after": a["after"]}).text
    return [RunLogLine.model_validate(json.loads(line)) for line in text.splitlines() if line.strip()]


def pipeline_spec(spec: dict[str, Any] | PipelineSpec, name: str | None = None) -> PipelineSpec:
    """A spec from a dict (YAML/JSON as written); a name given separately must match the spec's."""
    if isinstance(spec, PipelineSpec):
        document = spec.model_dump(exclude_none=True)
    elif isinstance(spec, dict):
        document = dict(spec)
    else:
        raise invalid("spec", "must be a mapping")
    if name is not None:
        document.setdefault("name", name)
        if str(document["name"]).strip().lower() != name.strip().lower():
            raise invalid("name", f"the spec is named {document['name']!r}, not {name!r}")
    return parse_model(PipelineSpec, document)


def _self_serve(a: Args) -> dict[str, Any]:
    return {k: a[k] for k in ("domain_name", "steward_email", "capacity_id")} | dict(a["options"])


class PipelineMethods:
    platform: Platform
    principal: Principal

    # -- self-serve ------------------------------------------------------------------------------
    @remote("POST", "/api/v1/self-serve/domain-lakehouse", body=_self_serve)
    def create_domain_lakehouse(
        self, domain_name: str, steward_email: str, capacity_id: str | None = None, **options: Any
    ) -> DomainLakehouse:
        """The seed's self-serve call: `<Name>-Domain`, the steward as Member, `<name>_lakehouse` from the template."""
        request = parse_model(DomainLakehouseRequest, _self_serve(locals()))
        return self.platform.self_serve.create_domain_lakehouse(self.principal, request)

    # -- pipelines -------------------------------------------------------------------------------
    @remote("PUT", PIPELINES + "/{spec[name]}", body=_document)
    def apply_pipeline(self, domain: str, spec: dict[str, Any] | PipelineSpec) -> Pipeline:
        return self.platform.pipelines.apply(self.principal, domain, pipeline_spec(spec))

    @remote("GET", PIPELINES)
    def list_pipelines(self, domain: str) -> list[Pipeline]:
        return self.platform.pipelines.list_pipelines(self.principal, domain)

    @remote("GET", PIPELINE)
    def get_pipeline(self, domain: str, name: str) -> Pipeline:
        return self.platform.pipelines.get(self.principal, domain, name)

    @remote("GET", PIPELINE + "/versions")
    def pipeline_versions(self, domain: str, name: str) -> list[PipelineVersion]:
        return self.platform.pipelines.versions(self.principal, domain, name)

    @remote("DELETE", PIPELINE)
    def delete_pipeline(self, domain: str, name: str) -> None:
        self.platform.pipelines.delete(self.principal, domain, name)

    # -- runs ------------------------------------------------------------------------------------
    @remote("POST", PIPELINE + "/runs", query=("wait",))
    def run_pipeline(self, domain: str, name: str, *, wait: bool = True) -> PipelineRun:
        """Run now; with `wait` (default) in this process until it finishes, else queued for the scheduler."""
        if wait:
            return self.platform.pipelines.run_now(self.principal, domain, name)
        return self.platform.pipelines.start_run(self.principal, domain, name)

    @remote("GET", PIPELINE + "/runs", query=("limit",))
    def list_runs(self, domain: str, name: str, *, limit: int = 50) -> list[PipelineRun]:
        return self.platform.pipelines.list_runs(self.principal, domain, name, limit=limit).items

    @remote("GET", RUN)
    def get_run(self, domain: str, name: str, run_id: str) -> PipelineRun:
        return self.platform.pipelines.get_run(self.principal, domain, name, run_id)

    @remote("GET", RUN + "/logs", call=_logs)
    def run_logs(self, domain: str, name: str, run_id: str, *, after: int = 0) -> list[RunLogLine]:
        return self.platform.pipelines.logs(self.principal, domain, name, run_id, after=after)[0]

    @remote("POST", RUN + "/cancel")
    def cancel_run(self, domain: str, name: str, run_id: str) -> PipelineRun:
        return self.platform.pipelines.cancel(self.principal, domain, name, run_id)

    @remote("POST", RUN + "/rerun", query=("wait",))
    def rerun_pipeline_run(self, domain: str, name: str, run_id: str, *, wait: bool = True) -> PipelineRun:
        """Run a failed or cancelled run again with the pipeline version it ran; the new run links back to it."""
        if wait:
            return self.platform.pipelines.rerun(self.principal, domain, name, run_id)
        return self.platform.pipelines.start_rerun(self.principal, domain, name, run_id)

    # -- lineage ---------------------------------------------------------------------------------
    @remote("POST", "/api/v1/lineage", body="event")
    def post_lineage(self, event: dict[str, Any]) -> LineageReceipt:
        return self.platform.lineage.receive(self.principal, event)

    @remote("GET", "/api/v1/lineage/graph", query=("node", "depth", "direction"))
    def lineage_graph(self, node: str, *, depth: int = 3, direction: str = "both") -> LineageGraph:
        if direction not in ("upstream", "downstream", "both"):
            raise invalid("direction", "must be upstream, downstream or both")
        return self.platform.lineage.graph(self.principal, node, depth=depth, direction=direction)  # type: ignore[arg-type]

    @remote("GET", "/api/v1/lineage/impact", query=("node", "column"))
    def lineage_impact(self, node: str, *, column: str | None = None) -> Impact:
        return self.platform.lineage.impact(self.principal, node, column=column)
