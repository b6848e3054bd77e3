"""Mesh health metrics on the in-process `Mesh`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakemesh.auth.models import Principal
from lakemesh.facade.operation import Args, remote
from lakemesh.metrics.models import MeshMetrics, MetricsReport

if TYPE_CHECKING:
    from lakemesh.platform import Platform
    from lakemesh.sdk.transport import Transport


def _current(http: Transport, path: str, _: Args) -> MeshMetrics:
    return MetricsReport.model_validate(http.json("GET", path, params={"days": 1})).current


def _snapshot(http: Transport, path: str, _: Args) -> int:
    return int(http.json("POST", path)["rows"])


class MetricsMethods:
    platform: Platform
    principal: Principal

    @remote("GET", "/api/v1/metrics", call=_current)
    def mesh_metrics(self) -> MeshMetrics:
        """The seed's mesh health figures, computed now; `.seed_view()` gives the seed's dict."""
        return self.platform.metrics.current(self.principal)

    @remote("GET", "/api/v1/metrics", query=("days",))
    def metrics_report(self, *, days: int = 30) -> MetricsReport:
        """The figures now plus a daily series per metric over the last `days` days."""
        return self.platform.metrics.report(self.principal, days=days)

    @remote("POST", "/api/v1/metrics/snapshot", call=_snapshot)
    def snapshot_metrics(self) -> int:
        """Append today's figures to the `mesh_metrics` Delta table now (the server does it daily)."""
        return self.platform.metrics.snapshot_as(self.principal)
