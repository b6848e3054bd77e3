"""Runs: ingest + SQL transform, retries with backoff, failure alerts, untouched targets, cancel, logs."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pytest
from sqlalchemy import select

from lakemesh.catalog.tables.audit import OutboxRow
from lakemesh.core.errors import Conflict, Forbidden
from lakemesh.mesh import Mesh
from lakemesh.pipelines.steps import StepContext
from tests.conftest import user
from tests.unit.pipelines.conftest import ingest_and_transform


def failed_alerts(mesh: Mesh) -> list[OutboxRow]:
    with mesh.platform.catalog.read() as session:
        return list(session.scalars(select(OutboxRow).where(OutboxRow.type == "pipeline.run.failed")))


def test_ingest_files_and_sql_transform_write_tables_and_record_the_run(sales: Mesh) -> None:
    sales.apply_pipeline("Sales", ingest_and_transform())
    run = sales.run_pipeline("Sales", "orders")
    assert run.state == "succeeded"
    assert [s.state for s in run.steps] == ["succeeded", "succeeded"]
    assert run.rows_written == 5 and run.rows_read == 6 and run.attempts == 2
    assert [(o["table"], o["version"]) for o in run.outputs] == [
        ("sales.sales_lakehouse.bronze_orders", 0),
        ("sales.sales_lakehouse.silver_customer_totals", 0),
    ]
    assert run.duration_ms is not None
    totals = sales.read_table("Sales", "sales_lakehouse", "silver_customer_totals").to_pylist()
    assert totals == [
        {"customer_id": "c1", "total": 17.75, "orders": 2},
        {"customer_id": "c2", "total": 20.0, "orders": 1},
    ]
    messages = [line.message for line in sales.run_logs("Sales", "orders", run.id)]
    assert any("wrote 2 rows to sales.sales_lakehouse.silver_customer_totals" in m for m in messages)
    assert messages[-1] == "run succeeded"


def test_a_step_that_fails_twice_then_succeeds_is_retried_with_backoff(sales: Mesh, sleeps: list[float]) -> None:
    calls: list[int] = []

    def flaky(context: StepContext) -> pa.Table:
        calls.append(context.attempt)
        if len(calls) < 3:
            raise ConnectionError("source not reachable")
        return pa.table({"id": [1, 2]})

    sales.register_pipeline_step("flaky", flaky)
    spec = {
        "name": "flaky",
        "lakehouse": "sales_lakehouse",
        "steps": [{"name": "load", "type": "python", "function": "flaky", "target": {"table": "bronze_flaky"}}],
    }
    sales.apply_pipeline("Sales", spec)
    run = sales.run_pipeline("Sales", "flaky")
    assert run.state == "succeeded"
    assert calls == [1, 2, 3] and run.steps[0].attempts == 3 and run.attempts == 3
    assert len(sleeps) == 2 and sleeps[1] > 0  # exponential backoff with jitter between the attempts
    warnings = [line for line in sales.run_logs("Sales", "flaky", run.id) if line.level == "warning"]
    assert [w.attempt for w in warnings] == [1, 2]
    assert "ConnectionError: source not reachable" in warnings[0].message
    assert failed_alerts(sales) == []


def test_a_step_that_always_fails_alerts_once_and_leaves_the_target_unchanged(sales: Mesh) -> None:
    sales.write_table("Sales", "sales_lakehouse", "bronze_events", pa.table({"id": [1]}))

    def half_then_crash(context: StepContext) -> pa.RecordBatchReader:
        schema = pa.schema([("id", pa.int64())])

        def batches() -> Iterator[pa.RecordBatch]:
            yield pa.record_batch({"id": [2, 3]}, schema=schema)
            raise RuntimeError("upstream connection dropped")

        return pa.RecordBatchReader.from_batches(schema, batches())

    sales.register_pipeline_step("crash", half_then_crash)
    spec = {
        "name": "events",
        "lakehouse": "sales_lakehouse",
        "retry": {"max_attempts": 2, "initial_delay": "1s", "max_delay": "2s", "jitter": "0s"},
        "alerting": {"on_failure": True, "webhook": "https://hooks.example.com/x"},
        "steps": [
            {"name": "load", "type": "python", "function": "crash", "target": {"table": "bronze_events"}},
            {"name": "after", "type": "sql", "sql": "select * from bronze_events", "target": {"table": "silver_e"}},
        ],
    }
    sales.apply_pipeline("Sales", spec)
    run = sales.run_pipeline("Sales", "events")
    assert run.state == "failed" and "upstream connection dropped" in (run.error or "")
    assert [s.state for s in run.steps] == ["failed", "skipped"] and run.steps[0].attempts == 2
    assert sales.read_table("Sales", "sales_lakehouse", "bronze_events").to_pylist() == [{"id": 1}]
    assert sales.get_table("Sales", "sales_lakehouse", "bronze_events").version == 0
    alerts = failed_alerts(sales)
    assert len(alerts) == 1
    assert alerts[0].payload["alert"] is True and alerts[0].payload["webhook"] == "https://hooks.example.com/x"
    assert alerts[0].payload["step"] == "load"


def test_bad_sql_at_run_time_is_not_retried(sales: Mesh) -> None:
    sales.apply_pipeline("Sales", ingest_and_transform())
    sales.run_pipeline("Sales", "orders")
    spec = ingest_and_transform("sums")
    spec["steps"][1]["sql"] = "select sum(customer_id) as s from bronze_orders"  # type: ignore[index]
    sales.apply_pipeline("Sales", spec)
    run = sales.run_pipeline("Sales", "sums")
    assert run.state == "failed" and run.steps[1].attempts == 1


def test_contributors_run_viewers_only_read(sales: Mesh) -> None:
    sales.apply_pipeline("Sales", ingest_and_transform())
    viewer = user(sales, "viewer@company.com")
    sales.add_member("Sales", "viewer@company.com", "Viewer")
    assert viewer.get_pipeline("Sales", "orders").name == "orders"
    from lakemesh.core.errors import Forbidden, NotFound

    with pytest.raises(Forbidden):
        viewer.run_pipeline("Sales", "orders")
    outsider = user(sales, "outsider@company.com")
    with pytest.raises(NotFound):
        outsider.get_pipeline("Sales", "orders")
    with pytest.raises(Forbidden):  # the domain is visible to everyone, its pipelines are not
        outsider.list_pipelines("Sales")


def test_cancel_a_queued_run_and_a_run_between_steps(sales: Mesh) -> None:
    sales.apply_pipeline("Sales", ingest_and_transform())
    queued = sales.run_pipeline("Sales", "orders", wait=False)
    cancelled = sales.cancel_run("Sales", "orders", queued.id)
    assert cancelled.state == "cancelled"
    assert sales.platform.pipelines.tick() == []  # nothing left to run

    def cancel_me(context: StepContext) -> None:
        run_id = sales.list_runs("Sales", "stops")[0].id
        sales.cancel_run("Sales", "stops", run_id)

    sales.register_pipeline_step("cancel_me", cancel_me)
    spec = ingest_and_transform("stops")
    spec["steps"].insert(0, {"name": "first", "type": "python", "function": "cancel_me"})  # type: ignore[attr-defined]
    sales.apply_pipeline("Sales", spec)
    run = sales.run_pipeline("Sales", "stops")
    assert run.state == "cancelled"
    assert [s.state for s in run.steps] == ["succeeded", "cancelled", "skipped"]


def test_a_quality_gate_step_fails_the_run_when_a_blocking_rule_fails(sales: Mesh) -> None:
    sales.apply_pipeline("Sales", ingest_and_transform())
    sales.run_pipeline("Sales", "orders")
    sales.create_product(
        {
            "name": "Customer Totals",
            "domain": "Sales",
            "owner": "admin",
            "contract": {"schema": {"customer_id": {"type": "string"}, "total": {"type": "double"}}},
            "storage": {"type": "lakehouse_table", "lakehouse": "sales_lakehouse", "table": "silver_customer_totals"},
            "quality_rules": ["customer_id is not null", {"name": "big", "condition": "total >= 18"}],
        }
    )
    spec = ingest_and_transform("gated")
    spec["steps"].append({"name": "gate", "type": "quality", "product": "Customer Totals"})  # type: ignore[attr-defined]
    sales.apply_pipeline("Sales", spec)
    run = sales.run_pipeline("Sales", "gated")
    assert run.state == "failed" and "Quality gate of sales/customer-totals failed: 'big'" in (run.error or "")
    assert run.steps[2].attempts == 1  # a quality block is not retried
    assert len(failed_alerts(sales)) == 1


def test_a_failed_run_is_rerun_with_its_own_version_and_linked_both_ways(sales: Mesh) -> None:
    """30.4: re-run a specific failed run: the version it ran (not the newer spec), the new run names the old one."""
    source_ready: list[bool] = []

    def source(context: StepContext) -> pa.Table:
        if not source_ready:
            raise ConnectionError("source not reachable")
        return pa.table({"id": [1, 2]})

    sales.register_pipeline_step("source", source)
    spec = {"name": "feed", "lakehouse": "sales_lakehouse", "retry": {"max_attempts": 1},
            "steps": [{"name": "load", "type": "python", "function": "source", "target": {"table": "bronze_feed"}}]}  # fmt: skip
    sales.apply_pipeline("Sales", spec)
    failed = sales.run_pipeline("Sales", "feed")
    assert failed.state == "failed" and failed.pipeline_version == 1
    changed = {**spec, "steps": [{**spec["steps"][0], "target": {"table": "bronze_feed_v2"}}]}  # type: ignore[dict-item]
    assert sales.apply_pipeline("Sales", changed).version == 2

    viewer = user(sales, "viewer@company.com")
    sales.add_member("Sales", "viewer@company.com", "Viewer")
    with pytest.raises(Forbidden):
        viewer.rerun_pipeline_run("Sales", "feed", failed.id)

    source_ready.append(True)
    rerun = sales.rerun_pipeline_run("Sales", "feed", failed.id)
    assert rerun.state == "succeeded" and rerun.id != failed.id
    assert rerun.rerun_of == failed.id and rerun.pipeline_version == 1
    assert sales.read_table("Sales", "sales_lakehouse", "bronze_feed").num_rows == 2  # version 1's target
    assert sales.get_run("Sales", "feed", failed.id).rerun_by == [rerun.id]
    assert [r.rerun_by for r in sales.list_runs("Sales", "feed")] == [[], [rerun.id]]
    assert failed.id in str(sales.audit(action="pipeline.run.queued")[0].summary)
    with pytest.raises(Conflict):  # only failed or cancelled runs are re-run; a succeeded one runs with Run now
        sales.rerun_pipeline_run("Sales", "feed", rerun.id)
