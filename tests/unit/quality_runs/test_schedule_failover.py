"""A scheduled quality slot is recorded once even when the replica that claimed it dies mid-run."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from lakemesh.catalog.leadership import default_replica_id
from lakemesh.catalog.tables.quality import QualityRunRow
from lakemesh.catalog.tables.scheduling import ScheduledSlotRow
from lakemesh.core.clock import FrozenClock
from lakemesh.mesh import Mesh
from lakemesh.quality.schedules import claim_due
from tests.unit.quality_runs.conftest import PRODUCT

DEAD = "gone-host-4242"  # holds no liveness lock and is not this process: a replica that died


def _slots(mesh: Mesh) -> list[ScheduledSlotRow]:
    with mesh.platform.catalog.read() as session:
        return list(session.scalars(select(ScheduledSlotRow).order_by(ScheduledSlotRow.scheduled_for)))


def _claimed_by_a_dead_replica(mesh: Mesh, clock: FrozenClock) -> datetime:
    """Make the schedule due and claim its slot the way a replica does, as a replica that then dies."""
    mesh.set_quality_schedule(*PRODUCT, "*/15 * * * *")
    clock.advance(timedelta(minutes=15))
    [slot] = claim_due(mesh.platform.catalog, clock.now(), DEAD)
    return slot.scheduled_for


def test_a_slot_left_running_by_a_dead_replica_runs_once_on_the_leader(mesh: Mesh, clock: FrozenClock) -> None:
    slot = _claimed_by_a_dead_replica(mesh, clock)
    assert mesh.quality_runs(*PRODUCT) == []  # it died before recording anything
    assert mesh.platform.quality.run_due_schedules() == 1  # taken over and run
    assert mesh.platform.quality.run_due_schedules() == 0  # and never again
    runs = mesh.quality_runs(*PRODUCT)
    assert [(r.trigger, r.status) for r in runs] == [("scheduled", "passed")]
    [row] = _slots(mesh)
    assert (row.scheduled_for, row.state, row.run_id) == (slot, "done", runs[0].id)


def test_a_run_the_dead_replica_recorded_is_adopted_not_repeated(mesh: Mesh, clock: FrozenClock) -> None:
    _claimed_by_a_dead_replica(mesh, clock)
    # It recorded its run, then died before marking the slot done.
    recorded = mesh.run_quality(*PRODUCT)
    with mesh.platform.catalog.transaction() as session:
        session.execute(update(ScheduledSlotRow).values(state="running"))
        row = session.get(QualityRunRow, recorded.id)
        assert row is not None
        row.trigger = "scheduled"
    assert mesh.platform.quality.run_due_schedules() == 0
    assert [r.id for r in mesh.quality_runs(*PRODUCT)] == [recorded.id]
    [slot] = _slots(mesh)
    assert (slot.state, slot.run_id) == ("done", recorded.id)


def test_the_next_slot_after_a_takeover_is_claimed_and_recorded_once(mesh: Mesh, clock: FrozenClock) -> None:
    _claimed_by_a_dead_replica(mesh, clock)
    assert mesh.platform.quality.run_due_schedules() == 1
    clock.advance(timedelta(minutes=15))
    assert mesh.platform.quality.run_due_schedules() == 1
    slots = _slots(mesh)
    assert [s.state for s in slots] == ["done", "done"] and len({s.run_id for s in slots}) == 2
    assert len(mesh.quality_runs(*PRODUCT)) == 2


def test_a_slot_our_own_tick_left_running_after_an_error_is_run_at_the_next_tick(
    mesh: Mesh, clock: FrozenClock
) -> None:
    mesh.set_quality_schedule(*PRODUCT, "*/15 * * * *")
    clock.advance(timedelta(minutes=15))
    [slot] = claim_due(mesh.platform.catalog, clock.now(), default_replica_id())  # then the tick was cut off
    assert mesh.platform.quality.run_due_schedules() == 1
    assert mesh.platform.quality.run_due_schedules() == 0
    [row] = _slots(mesh)
    assert (row.scheduled_for, row.state) == (slot.scheduled_for, "done")
    assert len(mesh.quality_runs(*PRODUCT)) == 1
