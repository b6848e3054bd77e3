"""How other capabilities feed the metrics: found on the Platform by attribute, so metrics never import them.

`connect_sources` wires what is installed: governance compliance, cross-domain grants (access) and pipelines
created from templates (self-serve). Each source runs as the platform admin, because the figures are mesh-wide
aggregates; they are cached with the catalog facts, so a page view never re-runs an evaluation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lakemesh.auth.models import Principal
from lakemesh.metrics.models import FigureScope

CAPABILITIES = ("quality", "governance", "access", "discovery", "sharing", "pipelines", "lineage", "semantic")


def installed_capabilities(platform: object) -> set[str]:
    return {name for name in CAPABILITIES if getattr(platform, name, None) is not None}


def connect_sources(metrics: Any, platform: Any) -> None:
    admin: Callable[[], Principal] = platform.principals.bootstrap_admin
    compliance = getattr(getattr(platform, "governance", None), "compliance", None)
    if callable(getattr(compliance, "report", None)):
        metrics.register_ratio("governance_compliance", lambda: _compliance(compliance, admin()))
        metrics.register_compliance(lambda actor: _compliance_of(compliance, actor))
    access = getattr(platform, "access", None)
    if callable(getattr(access, "list_grants", None)):
        metrics.register_share_count("grants", lambda: _grants(access, admin()))
    pipelines = getattr(platform, "pipelines", None)
    if callable(getattr(pipelines, "list_pipelines", None)):
        metrics.register_ratio("self_serve_adoption", lambda: _pipelines(platform, pipelines, admin()))


def _compliance(compliance: Any, admin: Principal) -> tuple[float, float]:
    report = compliance.report(admin)
    return (float(report.compliance_pct), 100.0) if report.policies else (0.0, 0.0)


def _compliance_of(compliance: Any, actor: Principal) -> tuple[float | None, FigureScope]:
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


def _grants(access: Any, admin: Principal) -> int:
    """Every active grant is cross-domain: a domain's own members read through their roles, never a grant."""
    count, cursor = 0, None
    while True:
        page = access.list_grants(admin, state="active", limit=500, cursor=cursor)
        count += len(page.items)
        if not page.next_cursor:
            return count
        cursor = page.next_cursor


def _pipelines(platform: Any, pipelines: Any, admin: Principal) -> tuple[float, float]:
    templated = total = 0
    for domain in platform.domains.list_domains(admin, limit=500).items:
        for pipeline in pipelines.list_pipelines(admin, domain.slug):
            total += 1
            templated += 1 if getattr(pipeline, "template", None) else 0
    return float(templated), float(total)
