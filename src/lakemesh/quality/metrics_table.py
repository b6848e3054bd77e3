"""The `data_quality_metrics` Delta table: one row per rule per run, appended by every run (as the seed did).

It lives in the platform's own lakehouse (`<data root>/_platform/Tables/data_quality_metrics`), so any tool
that reads Delta can read it; through Lakemesh, callers see only the rows of products they may read.

A Delta commit costs tens of milliseconds, more than a small quality scan, so runs are appended by a
background thread (several pending runs in one commit) and `run_quality` returns without waiting. The run
itself is already recorded in the catalog; reads through Lakemesh wait for pending appends (`flush`), and
closing the platform flushes, so only a crash between the two can leave a run out of this table.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
from deltalake.exceptions import DeltaError

from lakemesh.quality.models import QualityRun
from lakemesh.storage.delta import DeltaTables
from lakemesh.storage.location import DataRoot

if TYPE_CHECKING:
    import pyarrow.dataset as pads

log = logging.getLogger(__name__)
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
        self._pending: list[QualityRun] = []
        self._writing = False
        self._changed = threading.Condition()
        self._worker: threading.Thread | None = None

    def append(self, run: QualityRun) -> int:
        """Append the run's rows now (one per rule; one row without a rule for a run that errored)."""
        return self._delta.write(self.uri, pa.Table.from_pylist(rows_of(run), schema=SCHEMA), mode="append")

    def append_later(self, run: QualityRun) -> None:
        """Queue the run's rows for the background appender; returns at once."""
        with self._changed:
            self._pending.append(run)
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._drain, name="lakemesh-quality-metrics", daemon=True)
                self._worker.start()
            self._changed.notify_all()

    def flush(self, timeout: float = 60.0) -> None:
        """Wait until every queued run is appended (or failed and logged)."""
        with self._changed:
            self._changed.wait_for(lambda: not self._pending and not self._writing, timeout=timeout)

    def _drain(self) -> None:
        while True:
            with self._changed:
                if not self._pending:
                    self._worker = None
                    self._changed.notify_all()
                    return
                runs, self._pending, self._writing = self._pending, [], True
            try:
                rows = [row for run in runs for row in rows_of(run)]
                self._delta.write(self.uri, pa.Table.from_pylist(rows, schema=SCHEMA), mode="append")
            except (DeltaError, OSError, pa.ArrowException) as exc:  # the runs are in the catalog; log loudly
                log.error("could not append %d quality run(s) to %s: %s", len(runs), self.uri, exc)
            finally:
                with self._changed:
                    self._writing = False
                    self._changed.notify_all()

    def read(self, products: Collection[str], *, limit: int | None = None) -> pa.Table:
        """The rows of the given products (`domain/product`), newest first; empty before the first run."""
        self.flush()
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
