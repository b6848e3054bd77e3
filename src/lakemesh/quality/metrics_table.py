"""The `data_quality_metrics` Delta table: one row per rule per run, appended by every run (as the seed did).

It lives in the platform's own lakehouse (`<data root>/_platform/Tables/data_quality_metrics`), so any tool
that reads Delta can read it; through Lakemesh, callers see only the rows of products they may read.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from lakemesh.quality.models import QualityRun
from lakemesh.storage.delta import DeltaTables
from lakemesh.storage.location import DataRoot

if TYPE_CHECKING:
    import pyarrow.dataset as pads

METRICS_TABLE = "data_quality_metrics"
SCHEMA = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("product", pa.string(), nullable=False),
        pa.field("product_version", pa.string()),
        pa.field("table_name", pa.string()),
        pa.field("table_version", pa.int64()),
        pa.field("check_time", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("mode", pa.string()),
        pa.field("trigger", pa.string()),
        pa.field("status", pa.string()),
        pa.field("rule", pa.string()),
        pa.field("severity", pa.string()),
        pa.field("total_rows", pa.int64()),
        pa.field("passed_rows", pa.int64()),
        pa.field("failed_rows", pa.int64()),
        pa.field("pass_rate", pa.float64()),
        pa.field("threshold", pa.float64()),
        pa.field("passed", pa.bool_()),
        pa.field("score", pa.float64()),
        pa.field("weighted_score", pa.float64()),
    ]
)


class MetricsTable:
    def __init__(self, delta: DeltaTables, root: DataRoot) -> None:
        self._delta = delta
        self.uri = root.platform_table_uri(METRICS_TABLE)

    def append(self, run: QualityRun) -> int:
        """Append the run's rows (one per rule; one row without a rule for a run that errored)."""
        return self._delta.write(self.uri, pa.Table.from_pylist(rows_of(run), schema=SCHEMA), mode="append")

    def read(self, products: Collection[str], *, limit: int | None = None) -> pa.Table:
        """The rows of the given products (`domain/product`), newest first; empty before the first run."""
        if not products or not self._delta.exists(self.uri):
            return SCHEMA.empty_table()
        dataset: pads.Dataset = self._delta.open(self.uri).to_pyarrow_dataset()
        rows = dataset.to_table(filter=pc.field("product").isin(sorted(products)))
        rows = rows.sort_by([("check_time", "descending"), ("run_id", "descending")])
        return rows.slice(0, limit) if limit is not None else rows


def rows_of(run: QualityRun) -> list[dict[str, Any]]:
    base = {
        "run_id": run.id,
        "product": run.product,
        "product_version": run.product_version,
        "table_name": run.table,
        "table_version": run.table_version,
        "check_time": run.finished_at,
        "mode": run.mode,
        "trigger": run.trigger,
        "status": run.status,
        "total_rows": run.total_rows,
        "score": run.score,
        "weighted_score": run.weighted_score,
    }
    if not run.rules:
        return [{**base, "rule": None}]
    return [
        {
            **base,
            "rule": rule.name,
            "severity": rule.severity,
            "passed_rows": rule.passed_rows,
            "failed_rows": rule.failed_rows,
            "pass_rate": rule.pass_rate,
            "threshold": rule.threshold,
            "passed": rule.passed,
        }
        for rule in run.rules
    ]
