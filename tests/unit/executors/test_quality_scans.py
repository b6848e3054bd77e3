"""Quality scans on the Ray executor (Daft on Ray workers) give exactly the local executor's results."""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from lakemesh.core.clock import FrozenClock
from lakemesh.executors.ray import RayExecutor
from lakemesh.mesh import Mesh
from lakemesh.platform import Platform
from lakemesh.quality.checks import DistributedScans
from lakemesh.quality.models import QualityRun
from tests.unit.executors.conftest import hang_first_attempt, record_attempt
from tests.unit.quality_runs.conftest import PRODUCT, TABLE, rows

RULES: list[Any] = [
    "customer_id is not null",
    "lifetime_value >= 0",
    {"name": "churn in range", "condition": "churn_risk between 0 and 1", "threshold": 0.9},
    "last_updated within 25 hours",
    "row_count >= 100",
    "unique(customer_id)",
    "freshness(last_updated) < 24h",
    "segment in ('Enterprise', 'SMB') or lifetime_value > 2000",
]


def figures(run: QualityRun) -> dict[str, Any]:
    """Everything a user reads from a run except the samples' row choice (any failing rows qualify)."""
    return {
        "status": run.status,
        "total": run.total_rows,
        "version": run.table_version,
        "scores": (run.score, run.weighted_score),
        "rules": [
            (r.name, r.passed_rows, r.failed_rows, r.pass_rate, r.passed, r.observed, len(r.samples or []))
            for r in run.rules
        ],
    }


@pytest.fixture
def dirty(mesh: Mesh, clock: FrozenClock) -> Mesh:
    """Customer 360 with negatives, NULL and out-of-range values, stale rows and duplicate ids, for every rule."""
    cutoff = (clock.now() - timedelta(hours=25)).replace(tzinfo=None).isoformat()
    seed_freshness = {"name": "freshness_check", "condition": f"last_updated > '{cutoff}'", "threshold": 95}
    mesh.update_product(*PRODUCT, quality_rules=[*RULES, seed_freshness])
    stale = [clock.now() - timedelta(hours=30 if i % 7 == 0 else 1) for i in range(60)]
    mesh.write_table(
        *TABLE,
        rows(
            clock,
            60,
            seed=7,
            customer_id=[f"C{i % 40}" for i in range(60)],
            lifetime_value=[-5 if i % 9 == 0 else 10 * i for i in range(60)],
            churn_risk=[1.5 if i % 13 == 0 else None if i % 17 == 0 else 0.5 for i in range(60)],
            last_updated=stale,
        ),
    )
    return mesh


def on_ray(platform: Platform, **options: Any) -> RayExecutor:
    """Send every full scan of this platform to Ray, whatever the table's size."""
    executor = RayExecutor(min_bytes=0, **options)
    platform.quality.distributed = DistributedScans(executor, platform.data_root.storage_options)
    return executor


def test_a_scan_on_ray_matches_the_local_scan_exactly(
    ray_cluster: Any, dirty: Mesh, platform: Platform, tmp_path: Path
) -> None:
    local = dirty.run_quality(*PRODUCT, mode="full", sample_limit=3)
    on_ray(platform, before_task=partial(record_attempt, str(tmp_path)))
    remote = dirty.run_quality(*PRODUCT, mode="full", sample_limit=3)

    assert list(tmp_path.glob("attempt-*")), "the scan did not run on a Ray worker"
    assert figures(remote) == figures(local)
    assert local.status == "failed" and 0 < local.score < 100 and local.total_rows == 260
    by_name = {r.name: r for r in remote.rules}
    assert (by_name["lifetime_value >= 0"].failed_rows, by_name["unique(customer_id)"].failed_rows) == (7, 20)
    assert (by_name["freshness_check"].failed_rows, by_name["freshness_check"].passed) == (9, True)  # 96.5% >= 95%
    assert all(s["lifetime_value"] < 0 for s in by_name["lifetime_value >= 0"].samples or [])


def test_a_clean_table_passes_on_ray_as_it_does_locally(ray_cluster: Any, mesh: Mesh, platform: Platform) -> None:
    local = mesh.run_quality(*PRODUCT, mode="full")
    on_ray(platform)
    remote = mesh.run_quality(*PRODUCT, mode="full")
    assert figures(remote) == figures(local)
    assert (remote.status, remote.score, remote.total_rows) == ("passed", 100.0, 200)


def test_an_empty_table_gives_the_same_verdicts(ray_cluster: Any, mesh: Mesh, platform: Platform) -> None:
    mesh.update_product(*PRODUCT, quality_rules=RULES)
    mesh.write_table(*TABLE, rows(FrozenClock(), 1).slice(0, 0), mode="overwrite")
    local = mesh.run_quality(*PRODUCT, mode="full")
    on_ray(platform)
    assert figures(mesh.run_quality(*PRODUCT, mode="full")) == figures(local)


def test_a_rule_daft_cannot_run_is_checked_locally_with_the_same_result(
    ray_cluster: Any, dirty: Mesh, platform: Platform, tmp_path: Path
) -> None:
    dirty.update_product(*PRODUCT, quality_rules=[*RULES, "regexp_matches(customer_id, '^C[0-9]$')"])
    local = dirty.run_quality(*PRODUCT, mode="full")
    on_ray(platform, before_task=partial(record_attempt, str(tmp_path)))
    remote = dirty.run_quality(*PRODUCT, mode="full")
    assert figures(remote) == figures(local)
    assert remote.rules[-1].failed_rows == 240  # every id but C0 to C9
    assert not list(tmp_path.glob("attempt-*")), "Daft cannot plan regexp_matches, so nothing went to Ray"


def test_a_ray_worker_killed_during_a_scan_is_retried_and_the_result_is_correct(
    ray_cluster: Any, dirty: Mesh, platform: Platform, tmp_path: Path
) -> None:
    local = dirty.run_quality(*PRODUCT, mode="full", sample_limit=3)
    on_ray(platform, before_task=partial(hang_first_attempt, str(tmp_path)), max_retries=2)
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(dirty.run_quality, *PRODUCT, mode="full", sample_limit=3)
        flag = tmp_path / "first.pid"
        deadline = time.monotonic() + 120
        while not flag.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        pid = int(flag.read_text())
        os.kill(pid, signal.SIGKILL)
        remote = running.result(timeout=300)

    attempts = [p.name for p in tmp_path.glob("attempt-*")]
    killed = [a for a in attempts if a.startswith(f"attempt-{pid}-")]
    assert len(killed) == 1 and len(attempts) >= 2, "the killed attempt was not retried elsewhere"
    assert remote.status != "errored", remote.error
    assert figures(remote) == figures(local)


def test_a_scan_whose_worker_dies_on_every_attempt_is_recorded_as_errored(
    ray_cluster: Any, dirty: Mesh, platform: Platform, tmp_path: Path
) -> None:
    on_ray(platform, before_task=partial(hang_first_attempt, str(tmp_path)), max_retries=0)
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(dirty.run_quality, *PRODUCT, mode="full")
        flag = tmp_path / "first.pid"
        deadline = time.monotonic() + 120
        while not flag.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        os.kill(int(flag.read_text()), signal.SIGKILL)
        run = running.result(timeout=300)
    assert (run.status, run.total_rows, run.score) == ("errored", 0, None)
    assert run.error == "the table's data cannot be read (LakemeshError)"
    assert dirty.quality_runs(*PRODUCT)[0].id == run.id  # the failure is on record
