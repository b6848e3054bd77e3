"""Classification: scans on demand, on a table's first write and new columns (a write guard), and per domain."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakemesh.classification.on_write import write_guard
from lakemesh.classification.orphans import count_nothing, purge_domain
from lakemesh.classification.propagation import Propagation
from lakemesh.classification.service import ClassificationService

if TYPE_CHECKING:
    from lakemesh.platform import Platform


def install(platform: Platform) -> None:
    p = platform
    p.classification = ClassificationService(
        p.catalog, p.authorizer, p.clock, p.lakehouses, p.tables, p.table_data, p.reads, p.principals.bootstrap_admin,
        sample_rows=p.settings.classification_sample_rows,
    )  # fmt: skip
    p.table_data.register_write_guard(
        write_guard(
            p.settings.classification_sample_rows,
            lambda handle, sample: p.classification.record_findings(handle, sample, auto_accept=False),
        )
    )
    p.domains.register_dependent(count_nothing, purge_domain)
    p.scheduler.every(30, "classification-auto-accept", p.classification.auto_accept_pending)
    p.scheduler.every(300, "classification-scans", p.classification.run_scheduled_scans)
    p.classification_propagation = Propagation(p.classification, p.lineage, p.products, p.principals.bootstrap_admin)
    p.scheduler.every(5, "classification-propagation", p.classification_propagation.catch_up)
