"""Pipelines: specs and runs (steps on a remote executor); domains and templates count them; a job ticks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakemesh.pipelines.lineage import pipelines_named
from lakemesh.pipelines.service import PipelineService, count_pipelines, purge_pipelines, template_usage
from lakemesh.pipelines.sources import UrlAllowList
from lakemesh.pipelines.steps import StepServices

if TYPE_CHECKING:
    from lakemesh.platform import Platform


def install(platform: Platform) -> None:
    p = platform
    allow_list = UrlAllowList.parse(p.settings.pipeline_url_allowlist)
    services = StepServices(
        p.catalog, p.tables, p.table_data, p.files, p.products, allow_list, p.settings.max_upload_bytes
    )
    p.pipelines = PipelineService(
        p.catalog, p.authorizer, p.clock, p.domains, p.templates, services, p.lineage, executor=p.executor
    )
    p.domains.register_dependent(count_pipelines, purge_pipelines)
    p.lineage.register_items("pipeline", pipelines_named)
    p.templates.register_usage_counter(template_usage)
    p.scheduler.every(5, "pipelines", p.pipelines.tick)
