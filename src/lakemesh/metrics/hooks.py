"""The figures other capabilities feed the metrics: governance compliance, cross-domain grants, self-serve adoption.

Each source runs as the platform admin, because the figures are mesh-wide aggregates; they are cached with the
catalog facts, so a page view never re-runs an evaluation. `install` (lakemesh.metrics.install) registers them.
"""

from __future__ import annotations

from typing import Any

from lakemesh.access.service import AccessService
from lakemesh.auth.models import Principal
from lakemesh.core.pages import every_item
from lakemesh.domains.service import DomainService
from lakemesh.governance.compliance import Compliance
from lakemesh.metrics.models import FigureScope
from lakemesh.pipelines.service import PipelineService

CAPABILITIES = ("quality", "governance", "access", "discovery", "sharing", "pipelines", "lineage", "semantic")


def installed_capabilities(platform: object) -> set[str]:
    """What the web UI offers; a test removes one to see its "not available yet" page."""
    return {name for name in CAPABILITIES if getattr(platform, name, None) is not None}


def compliance_ratio(compliance: Compliance, admin: Principal) -> tuple[float, float]:
    report = compliance.report(admin)
    return (float(report.compliance_pct), 100.0) if report.policies else (0.0, 0.0)


def compliance_of(compliance: Compliance, actor: Principal) -> tuple[float | None, FigureScope]:
    """The viewer's figure from the same report as the governance page and API; None before any policy."""
    report = compliance.report(actor)
    return (float(report.compliance_pct) if report.policies else None), compliance_scope(report, actor)


def compliance_scope(report: Any, actor: Principal) -> FigureScope:
    """What a compliance report covers, written next to its figure wherever it is shown."""
    return FigureScope(
        domains=[entry.domain for entry in report.domains],
        all_domains=actor.is_platform_admin,
        policies=[entry.policy for entry in report.policies],
        as_of=report.generated_at,
    )


def grant_count(access: AccessService, admin: Principal) -> int:
    """Every active grant is cross-domain: a domain's own members read through their roles, never a grant."""
    return len(every_item(lambda cursor: access.list_grants(admin, state="active", limit=500, cursor=cursor)))


def templated_pipelines(domains: DomainService, pipelines: PipelineService, admin: Principal) -> tuple[float, float]:
    templated = total = 0
    for domain in every_item(lambda cursor: domains.list_domains(admin, limit=500, cursor=cursor)):
        for pipeline in pipelines.list_pipelines(admin, domain.slug):
            total += 1
            templated += 1 if pipeline.template else 0
    return float(templated), float(total)
