"""Governance: policies check new tables, every write and product lifecycles; compliance and webhooks are jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakemesh.governance.service import GovernanceService, evaluation_interval

if TYPE_CHECKING:
    from lakemesh.platform import Platform


def install(platform: Platform) -> None:
    p = platform
    p.governance = GovernanceService(
        p.catalog,
        p.authorizer,
        p.clock,
        webhook_allowlist=p.settings.webhook_url_allowlist,
        council_mode=p.settings.governance_mode == "council",
    )
    checks = p.governance.checks
    p.tables.register_change_hook(checks.table_created)
    p.table_data.register_write_guard(checks.write_guard)
    p.products.register_lifecycle_check(checks.product)
    p.scheduler.every(5, "governance-events", p.governance.compliance.catch_up)
    p.scheduler.every(10, "governance-webhooks", p.governance.webhooks.run_once)
    p.scheduler.every(evaluation_interval(p.settings), "governance-evaluate", p.governance.compliance.evaluate_all)
