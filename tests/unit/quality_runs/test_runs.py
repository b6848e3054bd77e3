"""Quality runs of a product: the seed's rules as written, exact counts, scores, history, metrics, bad input."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from lakemesh.core.clock import FrozenClock
from lakemesh.core.errors import InvalidInput
from lakemesh.mesh import Mesh
from tests.unit.quality_runs.conftest import PRODUCT, TABLE, rows, seed


def test_the_seed_rules_run_as_written(mesh: Mesh) -> None:
    run = mesh.run_quality(*PRODUCT)
    assert (run.status, run.score, run.weighted_score, run.total_rows) == ("passed", 100.0, 100.0, 200)
    assert [r.name for r in run.rules] == [
        "customer_id is not null",
        "lifetime_value >= 0",
        "churn_risk between 0 and 1",
        "last_updated within 25 hours",
    ]
    assert all(r.passed_rows == 200 and r.failed_rows == 0 and r.pass_rate == 1.0 for r in run.rules)
    assert run.table == "sales.sales_lakehouse.gold_customer_360" and run.table_version == 0
    assert mesh.audit(action="quality.run.completed")[0].resource_name == "sales/customer-360"


def test_violations_are_counted_exactly_and_sampled(mesh: Mesh, clock: FrozenClock) -> None:
    mesh.write_table(*TABLE, rows(clock, 10, lifetime_value=[-1, -2, -3, 1, 2, 3, 4, 5, 6, 7]), mode="overwrite")
    run = mesh.run_quality(*PRODUCT, sample_limit=2)
    by_name = {r.name: r for r in run.rules}
    negative = by_name["lifetime_value >= 0"]
    assert (negative.passed_rows, negative.failed_rows, negative.passed) == (7, 3, False)
    assert negative.pass_rate == pytest.approx(0.7)
    assert len(negative.samples or []) == 2 and all(s["lifetime_value"] < 0 for s in negative.samples or [])
    assert by_name["customer_id is not null"].samples == []
    # score = % of rules passed (as the seed); weighted = % of evaluated rows passed
    assert (run.status, run.score, run.weighted_score) == ("failed", 75.0, 92.5)


def test_the_seeds_run_quality_checks_objects_work_with_a_percent_threshold(mesh: Mesh, clock: FrozenClock) -> None:
    cutoff = (clock.now() - timedelta(hours=25)).replace(tzinfo=None).isoformat()
    rules = [
        {"name": "customer_id_not_null", "condition": "customer_id IS NOT NULL", "threshold": 100},
        {"name": "lifetime_value_positive", "condition": "lifetime_value >= 0", "threshold": 100},
        {"name": "churn_risk_valid", "condition": "churn_risk BETWEEN 0 AND 1", "threshold": 100},
        {"name": "freshness_check", "condition": f"last_updated > '{cutoff}'", "threshold": 95},
    ]
    mesh.update_product(*PRODUCT, quality_rules=rules)
    stale = [clock.now() - timedelta(hours=30 if i < 3 else 1) for i in range(100)]
    mesh.write_table(*TABLE, rows(clock, 100, last_updated=stale), mode="overwrite")
    run = mesh.run_quality(*PRODUCT)
    fresh = {r.name: r for r in run.rules}["freshness_check"]
    assert (fresh.failed_rows, fresh.threshold, fresh.passed) == (3, 0.95, True)  # 97% >= 95%
    assert run.score == 100.0

    stale = [clock.now() - timedelta(hours=30 if i < 10 else 1) for i in range(100)]
    mesh.write_table(*TABLE, rows(clock, 100, last_updated=stale), mode="overwrite")
    fresh = {r.name: r for r in mesh.run_quality(*PRODUCT).rules}["freshness_check"]
    assert (fresh.pass_rate, fresh.passed) == (0.9, False)


@pytest.mark.parametrize(
    "rule",
    [
        "loyalty_tier = 'gold'",  # a column the table does not have
        "customer_id in (select customer_id from gold_customer_360)",
        "lifetime_value >= 0; drop table products",
        "exists (select 1)",
        "read_csv('/etc/passwd') is not null",
        "(select count(*) from glob('*')) > 0",
    ],
)
def test_bad_rules_are_refused_when_the_product_is_saved_and_never_run(mesh: Mesh, rule: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        mesh.update_product(*PRODUCT, quality_rules=["customer_id is not null", rule])
    assert caught.value.errors[0].loc[:2] == ("quality_rules", 1)
    with pytest.raises(InvalidInput):
        mesh.create_product(seed(name="Other", quality_rules=[rule]))
    assert mesh.quality_runs(*PRODUCT) == []


def test_an_empty_table_has_a_defined_score(mesh: Mesh, clock: FrozenClock) -> None:
    mesh.update_product(*PRODUCT, quality_rules=["lifetime_value >= 0", "row_count >= 1", "unique(customer_id)"])
    mesh.write_table(*TABLE, rows(clock, 0), mode="overwrite")
    run = mesh.run_quality(*PRODUCT)
    by_name = {r.name: r for r in run.rules}
    assert run.total_rows == 0
    assert (by_name["lifetime_value >= 0"].pass_rate, by_name["lifetime_value >= 0"].passed) == (1.0, True)
    assert by_name["unique(customer_id)"].passed and not by_name["row_count >= 1"].passed
    assert (run.score, run.weighted_score) == (66.7, 66.7)


def test_a_table_that_cannot_be_read_gives_an_errored_run(mesh: Mesh) -> None:
    for parquet in Path(mesh.platform.data_root.table_uri("sales", "sales_lakehouse", "gold_customer_360")).glob("*"):
        if parquet.suffix == ".parquet":
            parquet.unlink()
    run = mesh.run_quality(*PRODUCT)
    assert (run.status, run.score, run.rules) == ("errored", None, [])
    assert run.error
    assert mesh.quality_runs(*PRODUCT)[0].id == run.id
    assert mesh.audit(action="quality.run.failed")[0].resource_name == "sales/customer-360"
    availability = {o.name: o for o in mesh.get_sla(*PRODUCT).objectives}["availability"]
    assert (availability.status, availability.current) == ("breached", "0%")
    metrics = mesh.quality_metrics(product="customer-360", domain="Sales").to_pylist()
    assert [(m["status"], m["rule"]) for m in metrics] == [("errored", None)]


def test_every_run_appends_to_the_metrics_delta_table(mesh: Mesh) -> None:
    first = mesh.run_quality(*PRODUCT)
    second = mesh.run_quality(*PRODUCT)
    metrics = mesh.quality_metrics()
    assert metrics.num_rows == 8
    assert set(metrics.column("run_id").to_pylist()) == {first.id, second.id}
    assert metrics.column("run_id")[0].as_py() == second.id  # newest first
    from deltalake import DeltaTable  # any Delta reader sees the same table

    table = DeltaTable(mesh.platform.quality.metrics_table.uri)  # read after quality_metrics() flushed the appends
    assert table.version() <= 1 and table.to_pyarrow_table().num_rows == 8  # runs queued together share a commit
    assert "data_quality_metrics" in mesh.platform.quality.metrics_table.uri


def test_history_is_newest_first_and_paginated(mesh: Mesh, clock: FrozenClock) -> None:
    ids = []
    for _ in range(3):
        ids.append(mesh.run_quality(*PRODUCT).id)
        clock.advance(timedelta(minutes=1))
    page = mesh.platform.quality.runs(mesh.principal, *PRODUCT, limit=2)
    assert [r.id for r in page.items] == ids[::-1][:2] and page.next_cursor
    rest = mesh.platform.quality.runs(mesh.principal, *PRODUCT, limit=2, cursor=page.next_cursor)
    assert [r.id for r in rest.items] == [ids[0]] and rest.next_cursor is None
    assert mesh.get_quality_run(*PRODUCT, ids[1]).id == ids[1]
    assert all(r.samples is None for r in mesh.quality_runs(*PRODUCT)[0].rules)  # samples are never stored


def test_a_run_does_not_wait_for_the_metrics_table(mesh: Mesh, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Delta append happens in the background; reading the metrics waits for it."""
    import threading

    from lakemesh.storage.delta import DeltaTables

    release, appended = threading.Event(), threading.Event()
    original = DeltaTables.write
    uri = mesh.platform.quality.metrics_table.uri

    def slow_write(self: DeltaTables, target: str, *args: Any, **kwargs: Any) -> int:
        if target == uri:
            release.wait(timeout=3)
            result = original(self, target, *args, **kwargs)
            appended.set()
            return result
        return original(self, target, *args, **kwargs)

    monkeypatch.setattr(DeltaTables, "write", slow_write)
    run = mesh.run_quality(*PRODUCT)
    assert not appended.is_set()  # returned while the append was still waiting
    release.set()
    assert set(mesh.quality_metrics().column("run_id").to_pylist()) == {run.id}
