"""Pipeline `sql` steps and compaction on the Ray executor: same tables as locally; settings pick the executor."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from lakemesh.core.settings import Settings
from lakemesh.executors.local import LocalExecutor
from lakemesh.executors.ray import RayExecutor
from lakemesh.executors.steps import DistributedSteps
from lakemesh.lakehouses.maintenance import compact
from lakemesh.mesh import Mesh
from lakemesh.pipelines.steps import InProcessExecutor
from lakemesh.platform import Platform
from tests.unit.executors.conftest import record_attempt
from tests.unit.pipelines.conftest import ORDERS_CSV
from tests.unit.quality_runs.conftest import TABLE, rows

MORE_ORDERS = b"order_id,customer_id,amount\n4,c3,99.5\n5,c1,0.25\n6,,3.0\n7,c3,\n"
SILVER = (
    "select customer_id, sum(amount) as total, count(*) as orders, sum(order_id) as id_sum, "
    "avg(amount) as mean, max(order_id) as last_order from bronze_orders "
    "where order_id > 0 group by customer_id order by customer_id nulls first"
)
GOLD = (
    "select b.order_id, b.amount, s.total, s.orders from bronze_orders b "
    "join silver_customer_totals s on b.customer_id = s.customer_id order by b.order_id"
)


def orders_pipeline(*, gold: str = GOLD) -> dict[str, Any]:
    def step(name: str, sql: str, table: str) -> dict[str, Any]:
        return {"name": name, "type": "sql", "sql": sql, "target": {"table": table, "mode": "overwrite"}}

    return {
        "name": "orders",
        "lakehouse": "sales_lakehouse",
        "steps": [
            {
                "name": "ingest",
                "type": "ingest",
                "source": {"files": "orders/*.csv"},
                "target": {"table": "bronze_orders", "mode": "overwrite"},
            },
            step("silver", SILVER, "silver_customer_totals"),
            step("gold", gold, "gold_orders"),
        ],
    }


@pytest.fixture
def sales(admin: Mesh, platform: Platform) -> Mesh:
    platform.pipelines.scheduling.sleep = lambda seconds: None
    admin.create_domain_lakehouse("Sales", "sales-steward@company.com", "capacity-id")
    admin.upload_file("Sales", "sales_lakehouse", "orders/2025-01.csv", io.BytesIO(ORDERS_CSV))
    admin.upload_file("Sales", "sales_lakehouse", "orders/2025-02.csv", io.BytesIO(MORE_ORDERS))
    return admin


def logs(mesh: Mesh, run_id: str) -> list[str]:
    return [line.message for line in mesh.run_logs("Sales", "orders", run_id)]


def test_sql_steps_on_ray_write_the_same_tables_as_local_steps(
    ray_cluster: Any, sales: Mesh, platform: Platform, tmp_path: Path
) -> None:
    sales.apply_pipeline("Sales", orders_pipeline())
    local = sales.run_pipeline("Sales", "orders")
    executor = RayExecutor(min_bytes=0, before_task=partial(record_attempt, str(tmp_path)))
    platform.pipelines.set_executor(DistributedSteps(executor, platform.pipelines.commit_query))
    remote = sales.run_pipeline("Sales", "orders")

    assert (local.state, remote.state) == ("succeeded", "succeeded"), (local.error, remote.error)
    assert len(list(tmp_path.glob("attempt-*"))) == 2, "both sql steps ran on Ray workers"
    for table in ("silver_customer_totals", "gold_orders"):
        before = sales.read_table("Sales", "sales_lakehouse", table, version=0)
        after = sales.read_table("Sales", "sales_lakehouse", table, version=1)
        assert after.schema == before.schema and after.to_pylist() == before.to_pylist(), table
    silver = sales.read_table("Sales", "sales_lakehouse", "silver_customer_totals").to_pylist()
    assert [r["customer_id"] for r in silver] == ["", "c1", "c2", "c3"] and silver[3]["total"] == 99.5
    assert (remote.rows_read, remote.rows_written) == (local.rows_read, local.rows_written)
    assert any("returned 4 rows (on ray)" in m for m in logs(sales, remote.id))
    assert any("wrote 4 rows to sales.sales_lakehouse.silver_customer_totals" in m for m in logs(sales, remote.id))


def test_a_query_daft_cannot_run_runs_locally_with_the_same_result(
    ray_cluster: Any, sales: Mesh, platform: Platform, tmp_path: Path
) -> None:
    gold = "select order_id, regexp_matches(customer_id, '^c[12]$') as known from bronze_orders order by order_id"
    sales.apply_pipeline("Sales", orders_pipeline(gold=gold))
    local = sales.run_pipeline("Sales", "orders")
    platform.pipelines.set_executor(DistributedSteps(RayExecutor(min_bytes=0), platform.pipelines.commit_query))
    remote = sales.run_pipeline("Sales", "orders")
    assert (local.state, remote.state) == ("succeeded", "succeeded"), remote.error
    before = sales.read_table("Sales", "sales_lakehouse", "gold_orders", version=0)
    assert sales.read_table("Sales", "sales_lakehouse", "gold_orders", version=1) == before
    assert any("the query runs locally: Daft cannot run this query" in m for m in logs(sales, remote.id))


def test_compaction_on_ray_merges_the_files_and_keeps_every_row(
    ray_cluster: Any, mesh: Mesh, platform: Platform, clock: Any, tmp_path: Path
) -> None:
    for seed in range(2, 6):
        mesh.write_table(*TABLE, rows(clock, 50, seed=seed))
    uri = platform.data_root.table_uri("sales", "sales_lakehouse", "gold_customer_360")
    before = platform.delta.snapshot(uri)
    data = mesh.read_table(*TABLE).sort_by("customer_id")
    executor = RayExecutor(min_bytes=0, before_task=partial(record_attempt, str(tmp_path)))

    metrics = compact(platform.tables, uri, actor="sales-data-team@company.com", executor=executor)

    after = platform.delta.snapshot(uri)
    assert list(tmp_path.glob("attempt-*")), "the compaction did not run on a Ray worker"
    assert (before.file_count, after.file_count) == (5, 1)
    assert (metrics["numFilesRemoved"], metrics["numFilesAdded"]) == (5, 1)
    assert after.row_count == before.row_count == 400 and after.version == before.version + 1
    assert mesh.read_table(*TABLE).sort_by("customer_id") == data
    last = platform.delta.history(uri, limit=1)[0]
    assert (last.operation, last.actor) == ("OPTIMIZE", "sales-data-team@company.com")


def test_small_tables_are_compacted_in_process(mesh: Mesh, platform: Platform, clock: Any) -> None:
    mesh.write_table(*TABLE, rows(clock, 10, seed=3))
    uri = platform.data_root.table_uri("sales", "sales_lakehouse", "gold_customer_360")
    metrics = compact(platform.tables, uri, actor=None, executor=RayExecutor())  # 1 GiB threshold: stays here
    assert metrics["numFilesRemoved"] == 2 and platform.delta.snapshot(uri).file_count == 1


def test_settings_choose_the_executor_and_close_leaves_a_ray_it_did_not_start(ray_cluster: Any, tmp_path: Path) -> None:
    default = Platform(Settings(home=tmp_path / "local"))
    assert isinstance(default.executor, LocalExecutor) and default.quality.distributed is None
    assert isinstance(default.pipelines.scheduling.executor, InProcessExecutor)
    default.close()

    platform = Platform(Settings(home=tmp_path / "ray", executor="ray"))
    assert isinstance(platform.executor, RayExecutor) and platform.executor.address is None
    assert platform.quality.distributed is not None
    assert isinstance(platform.pipelines.scheduling.executor, DistributedSteps)
    assert platform.executor.submit("probe", os.getpid) != os.getpid()
    platform.close()
    assert ray_cluster.is_initialized()


def test_starting_the_cli_does_not_import_ray_or_daft() -> None:
    code = (
        "import sys, lakemesh.cli.main, lakemesh.platform; "
        "print(sorted(m for m in ('ray', 'daft') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert done.stdout.strip() == "[]"
