"""Demo content for quality: one run of Customer 360, so the metrics table and the SLA have data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lakemesh.auth.models import Principal
from lakemesh.quality.models import ScheduleSet
from lakemesh.quality.service import QualityService


def load_quality_demo(quality: QualityService, admin: Principal, say: Callable[[str], Any]) -> None:
    run = quality.run(admin, "Sales", "Customer 360")
    say(f"Checked sales/customer-360: quality score {run.score}% over {run.total_rows:,} rows ({run.status})")
    quality.set_schedule(admin, "Sales", "Customer 360", ScheduleSet(cron="0 7 * * *"))
