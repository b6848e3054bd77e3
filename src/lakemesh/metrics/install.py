"""Mesh metrics, fed by the capabilities installed before them; a job takes the daily snapshot."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakemesh.metrics.hooks import (
    compliance_of,
    compliance_ratio,
    grant_count,
    installed_capabilities,
    templated_pipelines,
)
from lakemesh.metrics.prometheus import ServerMetrics
from lakemesh.metrics.service import MetricsService

if TYPE_CHECKING:
    from lakemesh.platform import Platform


def install(platform: Platform) -> None:
    p = platform
    p.metrics = MetricsService(p.catalog, p.clock, p.delta, p.data_root, capabilities=lambda: installed_capabilities(p))
    p.server_metrics = ServerMetrics(jobs=lambda: p.scheduler.jobs)
    admin = p.principals.bootstrap_admin
    compliance, access, domains, pipelines = p.governance.compliance, p.access, p.domains, p.pipelines
    p.metrics.register_ratio("governance_compliance", lambda: compliance_ratio(compliance, admin()))
    p.metrics.register_compliance(lambda actor: compliance_of(compliance, actor))
    p.metrics.register_share_count("grants", lambda: grant_count(access, admin()))
    p.metrics.register_ratio("self_serve_adoption", lambda: templated_pipelines(domains, pipelines, admin()))
    p.metrics.register_share_count("delta_sharing", p.shares.count_shared_tables)
    p.scheduler.every(900, "mesh-metrics-snapshot", p.metrics.snapshot_if_due)
