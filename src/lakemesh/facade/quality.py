"""Quality runs, schedules and SLA status on the in-process `Mesh`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from lakemesh.auth.models import Principal
from lakemesh.core.validation import parse_model
from lakemesh.facade.operation import Args, remote
from lakemesh.quality.models import QualityRun, QualityRunRequest, QualitySchedule, ScheduleSet, SlaStatus

if TYPE_CHECKING:
    from lakemesh.platform import Platform
    from lakemesh.sdk.transport import Transport

PRODUCT = "/api/v1/products/{domain}/{product}"


def _metrics(http: Transport, path: str, a: Args) -> pa.Table:
    params = {k: a[k] for k in ("domain", "product", "limit") if a[k] is not None}
    return http.arrow("GET", path, params=params | {"format": "arrow"})


class QualityMethods:
    platform: Platform
    principal: Principal

    @remote("POST", PRODUCT + "/quality-runs", body=("mode", "sample_limit"))
    def run_quality(self, domain: str, product: str, *, mode: str = "auto", sample_limit: int = 10) -> QualityRun:
        """Check the product's quality rules now (one scan); `mode="full"` reads the whole table."""
        request = parse_model(QualityRunRequest, {"mode": mode, "sample_limit": sample_limit})
        return self.platform.quality.run(self.principal, domain, product, request)

    @remote("GET", PRODUCT + "/quality-runs", query=("limit",))
    def quality_runs(self, domain: str, product: str, *, limit: int = 50) -> list[QualityRun]:
        """The newest `limit` runs, newest first."""
        return self.platform.quality.runs(self.principal, domain, product, limit=limit).items

    @remote("GET", PRODUCT + "/quality-runs/{run_id}")
    def get_quality_run(self, domain: str, product: str, run_id: str) -> QualityRun:
        return self.platform.quality.get_run(self.principal, domain, product, run_id)

    @remote("GET", PRODUCT + "/sla")
    def get_sla(self, domain: str, product: str) -> SlaStatus:
        return self.platform.quality.sla(self.principal, domain, product)

    @remote("PUT", PRODUCT + "/quality-schedule", body=("cron", "enabled"))
    def set_quality_schedule(self, domain: str, product: str, cron: str, *, enabled: bool = True) -> QualitySchedule:
        spec = parse_model(ScheduleSet, {"cron": cron, "enabled": enabled})
        return self.platform.quality.set_schedule(self.principal, domain, product, spec)

    @remote("GET", PRODUCT + "/quality-schedule")
    def get_quality_schedule(self, domain: str, product: str) -> QualitySchedule:
        return self.platform.quality.get_schedule(self.principal, domain, product)

    @remote("DELETE", PRODUCT + "/quality-schedule")
    def delete_quality_schedule(self, domain: str, product: str) -> None:
        self.platform.quality.delete_schedule(self.principal, domain, product)

    @remote("GET", "/api/v1/quality/metrics", call=_metrics)
    def quality_metrics(self, *, domain: str | None = None, product: str | None = None, limit: int = 1000) -> pa.Table:
        """Rows of the `data_quality_metrics` Delta table for the products you can read, newest first."""
        return self.platform.quality.metrics(self.principal, domain=domain, product=product, limit=limit)
