"""One local Ray instance (2 CPUs, no dashboard) shared by every test here, and fault-injection hooks.

Ray takes seconds to start, so it starts once per session and stops at the end. The quality fixtures (a
platform on a frozen clock with the seed's Customer 360 product) come from tests/unit/quality_runs.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.unit.quality_runs.conftest import clock, mesh, platform  # noqa: F401  (shared fixtures)


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[Any]:
    import ray
    from ray import cloudpickle

    # The hooks below run in Ray workers, which cannot import the tests package: ship them by value.
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    if started:
        ray.shutdown()


def record_attempt(folder: str) -> None:
    """A `before_task` hook: each attempt leaves a file `attempt-<worker pid>-<random>`."""
    (Path(folder) / f"attempt-{os.getpid()}-{uuid.uuid4().hex[:8]}").touch()


def hang_first_attempt(folder: str) -> None:
    """A `before_task` hook: the very first attempt writes its pid and hangs until it is killed."""
    record_attempt(folder)
    flag = Path(folder) / "first.pid"
    if flag.exists():
        return
    flag.write_text(str(os.getpid()))
    time.sleep(300)
