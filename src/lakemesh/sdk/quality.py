"""Quality runs, schedules and SLA status over REST: the same methods as the in-process Mesh."""

from __future__ import annotations

import io
from urllib.parse import quote

import pyarrow as pa

from lakemesh.quality.models import QualityRun, QualitySchedule, SlaStatus
from lakemesh.sdk.transport import Transport


def _path(domain: str, product: str) -> str:
    return f"/api/v1/products/{quote(domain, safe='')}/{quote(product, safe='')}"


class RemoteQualityMethods:
    _http: Transport

    def run_quality(self, domain: str, product: str, *, mode: str = "auto", sample_limit: int = 10) -> QualityRun:
        body = {"mode": mode, "sample_limit": sample_limit}
        return QualityRun.model_validate(self._http.json("POST", f"{_path(domain, product)}/quality-runs", json=body))

    def quality_runs(self, domain: str, product: str, *, limit: int = 50) -> list[QualityRun]:
        page = self._http.json("GET", f"{_path(domain, product)}/quality-runs", params={"limit": limit})
        return [QualityRun.model_validate(r) for r in page["items"]]

    def get_quality_run(self, domain: str, product: str, run_id: str) -> QualityRun:
        url = f"{_path(domain, product)}/quality-runs/{quote(run_id, safe='')}"
        return QualityRun.model_validate(self._http.json("GET", url))

    def get_sla(self, domain: str, product: str) -> SlaStatus:
        return SlaStatus.model_validate(self._http.json("GET", f"{_path(domain, product)}/sla"))

    def set_quality_schedule(self, domain: str, product: str, cron: str, *, enabled: bool = True) -> QualitySchedule:
        body = {"cron": cron, "enabled": enabled}
        url = f"{_path(domain, product)}/quality-schedule"
        return QualitySchedule.model_validate(self._http.json("PUT", url, json=body))

    def get_quality_schedule(self, domain: str, product: str) -> QualitySchedule:
        return QualitySchedule.model_validate(self._http.json("GET", f"{_path(domain, product)}/quality-schedule"))

    def delete_quality_schedule(self, domain: str, product: str) -> None:
        self._http.request("DELETE", f"{_path(domain, product)}/quality-schedule")

    def quality_metrics(self, *, domain: str | None = None, product: str | None = None, limit: int = 1000) -> pa.Table:
        params = {k: v for k, v in {"domain": domain, "product": product, "limit": limit}.items() if v is not None}
        response = self._http.request("GET", "/api/v1/quality/metrics", params=params | {"format": "arrow"})
        with pa.ipc.open_stream(io.BytesIO(response.content)) as reader:
            return reader.read_all()
