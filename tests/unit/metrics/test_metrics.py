"""Mesh health metrics computed live from the catalog, daily snapshots and their series."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lakemesh.core.clock import FrozenClock
from lakemesh.core.errors import Forbidden, InvalidInput
from lakemesh.mesh import Mesh
from tests.unit.metrics.conftest import as_user, bare_metrics, draft


def test_the_seed_metrics_come_from_the_catalog(mesh: Mesh) -> None:
    metrics = mesh.mesh_metrics()
    assert metrics.data_products_count == 1
    assert metrics.data_products_by_status == {"published": 1}
    assert metrics.data_products_by_domain == {"sales": 1}
    assert (metrics.domains_total, metrics.domains_active) == (2, 1)  # Marketing has not written or published
    assert metrics.cross_domain_shares == 0
    assert metrics.time_to_new_product_days == 5.0
    assert metrics.time_to_new_product_recent_days == 5.0
    assert metrics.self_serve_adoption == 50.0  # one of two lakehouses came from a template
    summary = metrics.seed_view()
    assert list(summary) == [
        "data_products_count",
        "domains_active",
        "cross_domain_shares",
        "avg_quality_score",
        "time_to_new_product",
        "self_serve_adoption",
        "governance_compliance",
    ]
    assert (summary["time_to_new_product"], summary["self_serve_adoption"]) == ("5 days", "50%")


def test_other_domains_drafts_are_not_counted_for_outsiders(mesh: Mesh) -> None:
    draft(mesh, "Churn Scores")
    outsider = as_user(mesh, "analyst@company.com")  # Marketing only
    member = as_user(mesh, "viewer@company.com")  # Sales Viewer
    assert mesh.mesh_metrics().data_products_by_status == {"draft": 1, "published": 1}
    assert member.mesh_metrics().data_products_count == 2
    seen = outsider.mesh_metrics()
    assert (seen.data_products_count, seen.data_products_by_status) == (1, {"published": 1})


def test_a_domain_becomes_inactive_after_30_quiet_days(mesh: Mesh, clock: FrozenClock) -> None:
    assert mesh.mesh_metrics().domains_active == 1
    clock.advance(timedelta(days=31))
    later = mesh.mesh_metrics()
    assert later.domains_active == 0
    assert later.time_to_new_product_days == 5.0 and later.time_to_new_product_recent_days is None


def test_daily_snapshots_make_the_series(mesh: Mesh, clock: FrozenClock) -> None:
    assert mesh.platform.metrics.snapshot_if_due() is True
    assert mesh.platform.metrics.snapshot_if_due() is False  # once a day
    clock.advance(timedelta(days=1))
    draft(mesh, "Churn Scores")
    report = mesh.metrics_report(days=7)
    counts = [(p.day.isoformat(), p.value) for p in report.series["data_products_count"]]
    assert counts == [("2025-03-08", 1.0), ("2025-03-09", 2.0)]  # yesterday's snapshot, today's live value
    assert report.summary["data_products_count"] == 2
    assert set(report.series) >= {"avg_quality_score", "time_to_new_product", "self_serve_adoption"}
    outsider = as_user(mesh, "analyst@company.com")
    theirs = [p.value for p in outsider.metrics_report(days=7).series["data_products_count"]]
    assert theirs == [1.0, 1.0]  # the draft is not theirs to count, today or in history


def test_snapshots_from_two_replicas_on_one_day_count_once(mesh: Mesh) -> None:
    mesh.snapshot_metrics()
    mesh.snapshot_metrics()
    points = mesh.metrics_report(days=2).series["data_products_count"]
    assert [p.value for p in points] == [1.0]


def test_capabilities_add_their_figures(mesh: Mesh) -> None:
    service = bare_metrics(mesh)
    before = service.current(mesh.principal)
    assert before.governance_compliance is None and "governance_compliance" in before.unavailable
    assert "avg_quality_score" in before.unavailable
    service.register_ratio("governance_compliance", lambda: (24.0, 25.0))
    service.register_share_count("grants", lambda: 3)
    service.register_ratio("self_serve_adoption", lambda: (2.0, 2.0))  # two pipelines, both from a template
    after = service.current(mesh.principal)
    assert after.governance_compliance == 96.0 and "governance_compliance" not in after.unavailable
    assert after.seed_view()["governance_compliance"] == "96%"
    assert (after.cross_domain_shares, after.cross_domain_shares_by_kind["grants"]) == (3, 3)
    assert after.self_serve_adoption == 75.0


def test_installed_capabilities_feed_the_metrics(mesh: Mesh) -> None:
    """On a platform with governance and access installed, their figures are wired in (no policies yet: no %)."""
    metrics = mesh.mesh_metrics()
    assert "governance_compliance" not in metrics.unavailable and "avg_quality_score" not in metrics.unavailable
    assert metrics.cross_domain_shares_by_kind.get("grants") == 0


def test_bad_input_is_refused(mesh: Mesh) -> None:
    with pytest.raises(InvalidInput):
        mesh.metrics_report(days=0)
    with pytest.raises(InvalidInput):
        mesh.metrics_report(days=10_000)
    with pytest.raises(InvalidInput):
        mesh.platform.metrics.register_ratio("happiness", lambda: (1.0, 1.0))
    with pytest.raises(Forbidden):
        as_user(mesh, "viewer@company.com").snapshot_metrics()


def test_an_empty_mesh_has_no_medians_and_no_errors(admin: Mesh) -> None:
    metrics = admin.mesh_metrics()
    assert metrics.data_products_count == 0
    assert metrics.time_to_new_product_days is None and metrics.self_serve_adoption is None
    assert admin.metrics_report(days=1).series["data_products_count"][0].value == 0.0
