"""Incremental runs: on append-only tables only the new data is read, and the totals match a full run."""

from __future__ import annotations

from lakemesh.core.clock import FrozenClock
from lakemesh.mesh import Mesh
from tests.unit.quality_runs.conftest import PRODUCT, TABLE, rows

TIMELESS = ["customer_id is not null", "lifetime_value >= 0", "churn_risk between 0 and 1", "row_count >= 15"]


def counts(run: object) -> list[tuple[str, int, int, bool]]:
    return [(r.name, r.passed_rows, r.failed_rows, r.passed) for r in run.rules]  # type: ignore[attr-defined]


def test_appends_are_checked_incrementally_and_add_up_to_a_full_run(mesh: Mesh, clock: FrozenClock) -> None:
    mesh.update_product(*PRODUCT, quality_rules=TIMELESS)
    mesh.write_table(*TABLE, rows(clock, 10, lifetime_value=[-1] + [1] * 9), mode="overwrite")
    first = mesh.run_quality(*PRODUCT)
    assert first.mode == "full" and not {r.name: r for r in first.rules}["row_count >= 15"].passed
    mesh.write_table(*TABLE, rows(clock, 10, seed=2, churn_risk=[5, 6] + [0.5] * 8))
    second = mesh.run_quality(*PRODUCT)
    assert (second.mode, second.from_version, second.table_version) == ("incremental", 1, 2)
    assert "10 rows appended since version 1" in second.mode_reason
    assert second.total_rows == 20
    full = mesh.run_quality(*PRODUCT, mode="full")
    assert full.mode == "full" and counts(second) == counts(full)
    assert {r.name: r for r in second.rules}["churn_risk between 0 and 1"].failed_rows == 2
    assert (second.score, second.weighted_score) == (full.score, full.weighted_score)


def test_an_overwrite_forces_a_full_run(mesh: Mesh, clock: FrozenClock) -> None:
    mesh.update_product(*PRODUCT, quality_rules=TIMELESS)
    mesh.run_quality(*PRODUCT)
    mesh.write_table(*TABLE, rows(clock, 3), mode="overwrite")
    run = mesh.run_quality(*PRODUCT)
    assert run.mode == "full" and "not an append" in run.mode_reason and run.total_rows == 3


def test_rules_that_read_the_clock_force_a_full_run(mesh: Mesh, clock: FrozenClock) -> None:
    mesh.run_quality(*PRODUCT)  # the seed's rules include `last_updated within 25 hours`
    mesh.write_table(*TABLE, rows(clock, 5))
    run = mesh.run_quality(*PRODUCT)
    assert run.mode == "full" and "depends on the time of the check" in run.mode_reason
    assert run.total_rows == 205
