"""SLA status from the contract: freshness, quality score and availability; breaches raise one event and close."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lakemesh.core.clock import FrozenClock
from lakemesh.mesh import Mesh
from tests.unit.quality_runs.conftest import PRODUCT, TABLE, rows


def objectives(mesh: Mesh) -> dict[str, tuple[str, str | None]]:
    return {o.name: (o.status, o.current) for o in mesh.get_sla(*PRODUCT).objectives}


def test_the_seeds_sla_is_met_after_a_clean_run(mesh: Mesh) -> None:
    mesh.run_quality(*PRODUCT)
    status = mesh.get_sla(*PRODUCT)
    assert status.status == "met"
    assert [(o.name, o.target, o.status) for o in status.objectives] == [
        ("freshness", "24h", "met"),
        ("quality_score", "95%", "met"),
        ("availability", "99.9%", "met"),
    ]
    assert all(o.since is not None for o in status.objectives)


def test_nothing_measured_yet_is_unknown_not_met(mesh: Mesh) -> None:
    found = objectives(mesh)
    assert found["quality_score"] == ("unknown", None) and found["availability"] == ("unknown", None)
    assert found["freshness"][0] == "met"
    assert mesh.get_sla(*PRODUCT).status == "unknown"


def test_freshness_goes_at_risk_then_breached_and_the_breach_closes_on_a_new_write(
    mesh: Mesh, clock: FrozenClock
) -> None:
    mesh.run_quality(*PRODUCT)
    clock.advance(timedelta(hours=20))
    assert objectives(mesh)["freshness"][0] == "at_risk"  # past 80% of 24h
    clock.advance(timedelta(hours=5))
    status = {o.name: o for o in mesh.get_sla(*PRODUCT).objectives}
    last_commit = mesh.platform.delta.history(
        mesh.platform.data_root.table_uri("sales", "sales_lakehouse", "gold_customer_360"), limit=1
    )[0].at
    assert status["freshness"].status == "breached"
    assert status["freshness"].since == last_commit + timedelta(hours=24)
    mesh.get_sla(*PRODUCT)  # looking again does not raise the breach again
    breaches = mesh.audit(action="sla.breached")
    assert len(breaches) == 1 and breaches[0].resource_name == "sales/customer-360"

    mesh.write_table(*TABLE, rows(clock, 5), mode="overwrite")
    clock.advance(datetime.now(UTC) - clock.now())  # back to the wall clock the Delta commit was stamped with
    assert objectives(mesh)["freshness"][0] == "met"
    assert len(mesh.audit(action="sla.met")) == 1


def test_a_failing_score_breaches_the_quality_objective(mesh: Mesh, clock: FrozenClock) -> None:
    mesh.write_table(*TABLE, rows(clock, 4, churn_risk=[0.1, 2.0, 0.2, 0.3]), mode="overwrite")
    run = mesh.run_quality(*PRODUCT)
    assert run.score == 75.0
    assert objectives(mesh)["quality_score"] == ("breached", "75%")
    assert mesh.audit(action="sla.breached")[0].resource_name == "sales/customer-360"


def test_the_scheduler_watch_raises_breaches_nobody_asked_for(mesh: Mesh, clock: FrozenClock) -> None:
    mesh.run_quality(*PRODUCT)
    mesh.publish_product(*PRODUCT)
    clock.advance(timedelta(hours=30))
    assert mesh.platform.quality.watch_slas() == 1
    assert len(mesh.audit(action="sla.breached")) == 1
