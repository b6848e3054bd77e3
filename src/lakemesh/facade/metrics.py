"""Mesh health metrics on the in-process `Mesh`."""

from __future__ import annotations

from lakemesh.auth.models import Principal
from lakemesh.core.errors import Forbidden
from lakemesh.metrics.models import MeshMetrics, MetricsReport
from lakemesh.platform import Platform


class MetricsMethods:
    platform: Platform
    principal: Principal

    def mesh_metrics(self) -> MeshMetrics:
        """The seed's mesh health figures, computed now; `.seed_view()` gives the seed's dict."""
        return self.platform.metrics.current(self.principal)

    def metrics_report(self, *, days: int = 30) -> MetricsReport:
        """The figures now plus a daily series per metric over the last `days` days."""
        return self.platform.metrics.report(self.principal, days=days)

    def snapshot_metrics(self) -> int:
        """Append today's figures to the `mesh_metrics` Delta table now (the server does it daily)."""
        if not self.principal.is_platform_admin:
            raise Forbidden("Only platform admins can snapshot the mesh metrics")
        return self.platform.metrics.snapshot()
