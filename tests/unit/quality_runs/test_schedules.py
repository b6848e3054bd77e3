"""Cron schedules per product, run by the scheduler's tick as the platform."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lakemesh.core.clock import FrozenClock
from lakemesh.core.errors import InvalidInput, NotFound
from lakemesh.mesh import Mesh
from tests.unit.quality_runs.conftest import PRODUCT


def test_a_due_schedule_runs_once_and_moves_to_its_next_time(mesh: Mesh, clock: FrozenClock) -> None:
    schedule = mesh.set_quality_schedule(*PRODUCT, "*/15 * * * *")
    assert schedule.next_run_at > clock.now() and schedule.next_run_at - clock.now() <= timedelta(minutes=15)
    assert mesh.platform.quality.run_due_schedules() == 0
    clock.advance(timedelta(minutes=15))
    assert mesh.platform.quality.run_due_schedules() == 1
    assert mesh.platform.quality.run_due_schedules() == 0  # claimed: not run twice
    runs = mesh.quality_runs(*PRODUCT)
    assert [(r.trigger, r.status) for r in runs] == [("scheduled", "passed")]
    moved = mesh.get_quality_schedule(*PRODUCT)
    assert moved.next_run_at > clock.now() and moved.last_run_at == clock.now()
    assert "quality-schedules" in [job.name for job in mesh.platform.scheduler.jobs]


def test_a_disabled_schedule_does_not_run_and_a_removed_one_is_gone(mesh: Mesh, clock: FrozenClock) -> None:
    mesh.set_quality_schedule(*PRODUCT, "0 6 * * *", enabled=False)
    clock.advance(timedelta(days=2))
    assert mesh.platform.quality.run_due_schedules() == 0
    mesh.delete_quality_schedule(*PRODUCT)
    with pytest.raises(NotFound):
        mesh.get_quality_schedule(*PRODUCT)


@pytest.mark.parametrize("cron", ["every day", "61 * * * *", "* * * *", "0 6 * * * *", ""])
def test_bad_cron_expressions_are_refused(mesh: Mesh, cron: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        mesh.set_quality_schedule(*PRODUCT, cron)
    assert caught.value.errors[0].loc == ("cron",)
