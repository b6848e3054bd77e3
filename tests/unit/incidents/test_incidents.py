"""Incidents opened by failing quality runs, pipelines and SLA breaches; resolved when the cause clears or by hand."""

from __future__ import annotations

from typing import Any

import pytest

from lakemesh.core.clock import FrozenClock
from lakemesh.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from lakemesh.incidents.models import Incident
from lakemesh.mesh import Mesh
from tests.conftest import user
from tests.unit.metrics.test_web_pages import sign_in
from tests.unit.quality_runs.conftest import PRODUCT, TABLE, rows

NEGATIVE_VALUES = [-1, -2, -3, 1, 2, 3, 4, 5, 6, 7]


def quality_incidents(mesh: Mesh, state: str = "open") -> list[Incident]:
    """The failed-run incidents (the seed's SLA asks for a 95% quality score, so a breach opens its own)."""
    return [i for i in mesh.list_incidents(*PRODUCT, state=state) if i.cause == "quality"]


def break_data(mesh: Mesh, clock: FrozenClock) -> None:
    mesh.write_table(*TABLE, rows(clock, 10, lifetime_value=NEGATIVE_VALUES), mode="overwrite")


def fix_data(mesh: Mesh, clock: FrozenClock) -> None:
    mesh.write_table(*TABLE, rows(clock, 10), mode="overwrite")


def test_a_failing_run_opens_one_incident_and_a_passing_run_resolves_it(mesh: Mesh, clock: FrozenClock) -> None:
    assert mesh.list_incidents(*PRODUCT) == []
    break_data(mesh, clock)
    assert mesh.run_quality(*PRODUCT).status == "failed"
    assert {i.cause for i in mesh.list_incidents(*PRODUCT)} == {"quality", "sla:quality_score"}
    [incident] = quality_incidents(mesh)
    assert (incident.state, incident.cause, incident.kind, incident.occurrences) == ("new", "quality", "quality", 1)
    assert "lifetime_value >= 0" in incident.title
    assert incident.product == "sales/customer-360"

    mesh.run_quality(*PRODUCT)  # the same cause again: the open incident is updated, not duplicated
    [again] = quality_incidents(mesh, "all")
    assert again.id == incident.id and again.occurrences == 2
    assert [e.action for e in again.timeline] == ["opened", "recurred"]

    fix_data(mesh, clock)
    assert mesh.run_quality(*PRODUCT).status == "passed"
    assert mesh.list_incidents(*PRODUCT) == []
    resolved = mesh.get_incident(*PRODUCT, incident.id)
    assert resolved.state == "resolved" and resolved.resolved_by is None
    assert resolved.resolution is not None and resolved.resolution.startswith("resolved automatically: quality run")
    assert [e.action for e in resolved.timeline][-1] == "resolved"
    events = [(e.action, e.resource_id) for e in reversed(mesh.audit(resource_type="incident"))]
    assert [a for a, i in events if i == incident.id] == ["incident.opened", "incident.recurred", "incident.resolved"]


def test_a_new_failure_after_resolution_opens_a_new_incident(mesh: Mesh, clock: FrozenClock) -> None:
    break_data(mesh, clock)
    mesh.run_quality(*PRODUCT)
    fix_data(mesh, clock)
    mesh.run_quality(*PRODUCT)
    break_data(mesh, clock)
    mesh.run_quality(*PRODUCT)
    assert len(quality_incidents(mesh, "all")) == 2
    assert len(quality_incidents(mesh)) == 1 and len(quality_incidents(mesh, "resolved")) == 1


def test_owners_acknowledge_assign_and_resolve_with_a_reason(mesh: Mesh, clock: FrozenClock) -> None:
    break_data(mesh, clock)
    mesh.run_quality(*PRODUCT)
    [incident] = quality_incidents(mesh)
    acked = mesh.update_incident(*PRODUCT, incident.id, state="acknowledged", note="looking at the CRM feed")
    assert acked.state == "acknowledged" and acked.acknowledged_at is not None
    assigned = mesh.update_incident(*PRODUCT, incident.id, assignee="sales-data-team@company.com")
    assert assigned.assignee == "sales-data-team@company.com"
    with pytest.raises(InvalidInput) as missing:
        mesh.update_incident(*PRODUCT, incident.id, state="resolved")
    assert missing.value.errors[0].loc == ("resolution",)
    done = mesh.update_incident(*PRODUCT, incident.id, state="resolved", resolution="refunds are negative by design")
    assert (done.state, done.resolved_by, done.resolution) == ("resolved", "admin", "refunds are negative by design")
    assert [e.action for e in done.timeline] == ["opened", "note", "acknowledged", "assigned", "resolved"]
    with pytest.raises(Conflict):
        mesh.update_incident(*PRODUCT, incident.id, state="acknowledged")


def test_readers_see_incidents_but_only_contributors_change_them(mesh: Mesh, clock: FrozenClock) -> None:
    mesh.publish_product(*PRODUCT)
    break_data(mesh, clock)
    mesh.run_quality(*PRODUCT)
    [incident] = quality_incidents(mesh)
    reader = user(mesh, "analyst@company.com")
    assert incident.id in [i.id for i in reader.list_incidents(*PRODUCT)]
    with pytest.raises(Forbidden):
        reader.update_incident(*PRODUCT, incident.id, state="resolved", resolution="not mine to close")
    with pytest.raises(NotFound):
        reader.get_incident(*PRODUCT, "inc_does_not_exist")
    assert mesh.get_incident(*PRODUCT, incident.id).state == "new"


def test_a_draft_products_incidents_are_hidden_like_the_product(mesh: Mesh, clock: FrozenClock) -> None:
    break_data(mesh, clock)
    mesh.run_quality(*PRODUCT)
    outsider = user(mesh, "outsider@company.com")
    with pytest.raises(NotFound):
        outsider.list_incidents(*PRODUCT)


@pytest.mark.parametrize("state", ["closed", "", "OPEN; drop table incidents"])
def test_an_unknown_state_filter_is_refused(mesh: Mesh, state: str) -> None:
    with pytest.raises(InvalidInput):
        mesh.list_incidents(*PRODUCT, state=state)


def test_a_hostile_update_is_refused(mesh: Mesh, clock: FrozenClock) -> None:
    break_data(mesh, clock)
    mesh.run_quality(*PRODUCT)
    [incident] = quality_incidents(mesh)
    with pytest.raises(InvalidInput):
        mesh.update_incident(*PRODUCT, incident.id, state="new")
    with pytest.raises(InvalidInput):
        mesh.update_incident(*PRODUCT, incident.id, note="x" * 5000)
    with pytest.raises(NotFound):
        mesh.update_incident("Sales", "no-such-product", incident.id, state="acknowledged")


def reader_pipeline(mode: str | None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": "churn-report",
        "lakehouse": "sales_lakehouse",
        "steps": [
            {
                "name": "report",
                "type": "sql",
                "sql": "select customer_id, churn_risk from gold_customer_360 where churn_risk > 0.5",
                "target": {"table": "churn_report", "mode": "overwrite"},
            }
        ],
    }
    if mode is not None:
        spec["on_upstream_incident"] = mode
    return spec


def test_a_pausing_pipeline_waits_for_the_incident_and_runs_after_it_closes(mesh: Mesh, clock: FrozenClock) -> None:
    mesh.apply_pipeline("Sales", reader_pipeline("pause"))
    break_data(mesh, clock)
    mesh.run_quality(*PRODUCT)
    held = mesh.run_pipeline("Sales", "churn-report")
    assert held.state == "queued"
    assert held.error is not None and "sales/customer-360 has an open incident" in held.error
    assert mesh.platform.pipelines.tick() == []  # still held on the scheduler's tick

    fix_data(mesh, clock)
    mesh.run_quality(*PRODUCT)  # passes: the incident resolves, the breaker closes
    assert mesh.platform.pipelines.tick() == [held.id]
    done = mesh.get_run("Sales", "churn-report", held.id)
    assert (done.state, done.error) == ("succeeded", None)


def test_a_warning_pipeline_runs_and_logs_the_incident(mesh: Mesh, clock: FrozenClock) -> None:
    mesh.apply_pipeline("Sales", reader_pipeline("warn"))
    break_data(mesh, clock)
    mesh.run_quality(*PRODUCT)
    run = mesh.run_pipeline("Sales", "churn-report")
    assert run.state == "succeeded"
    logs = mesh.run_logs("Sales", "churn-report", run.id)
    assert any(line.level == "warning" and "open incident" in line.message for line in logs)


def test_a_pipeline_without_a_breaker_is_not_held(mesh: Mesh, clock: FrozenClock) -> None:
    mesh.apply_pipeline("Sales", reader_pipeline(None))
    break_data(mesh, clock)
    mesh.run_quality(*PRODUCT)
    assert mesh.run_pipeline("Sales", "churn-report").state == "succeeded"


def test_a_failed_pipeline_feeding_the_product_opens_an_incident_until_it_succeeds(
    mesh: Mesh, clock: FrozenClock
) -> None:
    feeder = {
        "name": "load-customers",
        "lakehouse": "sales_lakehouse",
        "retry": {"max_attempts": 1},
        "steps": [
            {
                "name": "load",
                "type": "sql",
                "sql": "select cast('not a number' as integer) as n from gold_customer_360",
                "target": {"table": "gold_customer_360", "mode": "overwrite"},
            }
        ],
    }
    mesh.apply_pipeline("Sales", feeder)
    failed = mesh.run_pipeline("Sales", "load-customers")
    assert failed.state == "failed"
    [incident] = mesh.list_incidents(*PRODUCT)
    assert (incident.cause, incident.kind) == ("pipeline:sales/load-customers", "pipeline")
    feeder["steps"][0]["sql"] = "select * from gold_customer_360"  # type: ignore[index]
    mesh.apply_pipeline("Sales", feeder)
    assert mesh.run_pipeline("Sales", "load-customers").state == "succeeded"
    assert mesh.list_incidents(*PRODUCT) == []
    succeeded = mesh.list_runs("Sales", "load-customers")[0].id
    resolution = mesh.get_incident(*PRODUCT, incident.id).resolution
    assert resolution == f"resolved automatically: pipeline sales/load-customers run {succeeded} succeeded"


def test_search_filters_and_counts_products_with_an_open_incident(mesh: Mesh, clock: FrozenClock) -> None:
    mesh.publish_product(*PRODUCT)
    assert [f.model_dump() for f in mesh.search("customer").facets["has_open_incident"]] == [
        {"value": "false", "count": 1}
    ]
    assert mesh.search("customer", has_open_incident=True).total == 0
    break_data(mesh, clock)
    mesh.run_quality(*PRODUCT)
    troubled = mesh.search("customer", has_open_incident=True)
    assert [hit.name for hit in troubled.items] == ["Customer 360"]
    assert [f.model_dump() for f in troubled.facets["has_open_incident"]] == [{"value": "true", "count": 1}]
    assert mesh.search("customer", has_open_incident=False).total == 0
    assert mesh.search("customer", filters={"has_open_incident": True}).total == 1


def test_the_product_page_shows_the_health_badge_and_the_open_incidents(mesh: Mesh, clock: FrozenClock) -> None:
    client = sign_in(mesh)
    assert 'id="health-badge">healthy</span>' in client.get("/products/sales/customer-360").text
    break_data(mesh, clock)
    mesh.run_quality(*PRODUCT)
    html = client.get("/products/sales/customer-360").text
    assert 'href="#incidents" id="health-badge">2 open incidents</a>' in html
    assert "Quality run failed: lifetime_value &gt;= 0 below threshold" in html
