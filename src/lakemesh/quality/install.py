"""Quality: rule runs on the executor, results in the metrics table, schedules and SLA watches as jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakemesh.quality.metrics_table import MetricsTable
from lakemesh.quality.service import QualityService

if TYPE_CHECKING:
    from lakemesh.platform import Platform


def install(platform: Platform) -> None:
    p = platform
    metrics_table = MetricsTable(p.delta, p.data_root)
    p.quality = QualityService(
        p.catalog, p.authorizer, p.clock, p.products, p.tables, metrics_table, p.principals.bootstrap_admin,
        executor=p.executor,
    )  # fmt: skip
    p.scheduler.every(60, "quality-schedules", p.quality.run_due_schedules)
    p.scheduler.every(300, "quality-sla", p.quality.watch_slas)
