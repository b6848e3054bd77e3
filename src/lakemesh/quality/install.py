"""Quality: rule runs on the executor, results in the metrics table, schedules and SLA watches as jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from lakemesh.quality.metrics_table import MetricsTable
from lakemesh.quality.service import QualityService

if TYPE_CHECKING:
    from lakemesh.platform import Platform


def install(platform: Platform) -> None:
    p = platform
    metrics_table = MetricsTable(p.delta, p.data_root)

    def read_reference(owner: str, domain: str, lakehouse: str, table: str, column: str) -> pa.Table:
        """A `references` rule's column, read as the product's owner (their grants and masks)."""
        principal = p.principals.get_principal(p.principals.bootstrap_admin(), owner)
        return p.table_data.read(principal, domain, lakehouse, table, columns=[column]).read_all()

    p.quality = QualityService(
        p.catalog, p.authorizer, p.clock, p.products, p.tables, metrics_table, p.principals.bootstrap_admin,
        executor=p.executor, read_reference=read_reference,
    )  # fmt: skip
    p.scheduler.every(60, "quality-schedules", p.quality.run_due_schedules)
    p.scheduler.every(300, "quality-sla", p.quality.watch_slas)
