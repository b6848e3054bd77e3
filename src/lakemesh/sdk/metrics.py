"""Mesh health metrics over REST: the same methods as the in-process Mesh."""

from __future__ import annotations

from lakemesh.metrics.models import MeshMetrics, MetricsReport
from lakemesh.sdk.transport import Transport


class RemoteMetricsMethods:
    _http: Transport

    def mesh_metrics(self) -> MeshMetrics:
        return self.metrics_report(days=1).current

    def metrics_report(self, *, days: int = 30) -> MetricsReport:
        return MetricsReport.model_validate(self._http.json("GET", "/api/v1/metrics", params={"days": days}))

    def snapshot_metrics(self) -> int:
        """Append today's figures to the `mesh_metrics` Delta table now (platform admins)."""
        return int(self._http.json("POST", "/api/v1/metrics/snapshot")["rows"])
