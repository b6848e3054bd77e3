"""Mesh health metrics over REST: the same methods as the in-process Mesh (except the snapshot job)."""

from __future__ import annotations

from lakemesh.metrics.models import MeshMetrics, MetricsReport
from lakemesh.sdk.transport import Transport


class RemoteMetricsMethods:
    _http: Transport

    def mesh_metrics(self) -> MeshMetrics:
        return self.metrics_report(days=1).current

    def metrics_report(self, *, days: int = 30) -> MetricsReport:
        return MetricsReport.model_validate(self._http.json("GET", "/api/v1/metrics", params={"days": days}))
