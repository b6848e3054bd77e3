"""Every capability that reads or writes data, with the data root on S3 (moto on loopback)."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import CommitProperties
from deltalake.exceptions import CommitFailedError

from lakemesh.core.clock import FrozenClock
from lakemesh.core.errors import Conflict, Gone, InvalidInput, LakemeshError
from lakemesh.core.settings import Settings
from lakemesh.demo.semantic import CUSTOMER_ANALYTICS
from lakemesh.metrics.snapshots import SnapshotTable
from lakemesh.quality.metrics_table import MetricsTable
from lakemesh.storage import writer
from lakemesh.storage.location import DataRoot
from tests.object_store import keys
from tests.unit.access.conftest import TABLE, World, grant_to
from tests.unit.pipelines.conftest import ORDERS_CSV, ingest_and_transform

PRODUCT = ("Sales", "customer-360")


def test_quality_runs_append_to_the_metrics_table_on_s3(world: World, s3_endpoint: str, bucket: str) -> None:
    first = world.admin.run_quality(*PRODUCT)
    assert first.total_rows == 6 and first.table_version == 0
    world.admin.write_table("Sales", "sales_lakehouse", "gold_customer_360", world.admin.read_table(*TABLE_PARTS))
    second = world.admin.run_quality(*PRODUCT)
    assert second.total_rows == 12
    rows = world.admin.quality_metrics(domain="Sales", product="customer-360")
    assert sorted(set(rows.column("run_id").to_pylist())) == sorted([first.id, second.id])
    assert rows.num_rows == len(first.rules) + len(second.rules)
    assert sorted(set(rows.column("total_rows").to_pylist())) == [6, 12]
    stored = keys(s3_endpoint, bucket, "mesh/_platform/Tables/data_quality_metrics/_delta_log/")
    assert 1 <= len([k for k in stored if k.endswith(".json")]) <= 2  # runs queued together share a commit
    # any Delta reader of the bucket sees the same rows
    table = MetricsTable(world.admin.platform.delta, world.admin.platform.data_root)
    assert table.read({"sales/customer-360"}).num_rows == rows.num_rows


def test_mesh_metrics_snapshots_live_on_s3_and_make_the_series(
    world: World, clock: FrozenClock, s3_endpoint: str, bucket: str
) -> None:
    assert world.admin.snapshot_metrics() > 0
    assert keys(s3_endpoint, bucket, "mesh/_platform/Tables/mesh_metrics/_delta_log/")
    yesterday = clock.now().date()
    clock.advance(timedelta(days=1))
    series = world.admin.metrics_report(days=3).series["data_products_count"]
    assert [(p.day, p.value) for p in series] == [(yesterday, 1.0), (clock.now().date(), 1.0)]
    snapshots = SnapshotTable(world.admin.platform.delta, world.admin.platform.data_root)
    assert snapshots.last_day() == yesterday


def test_governed_sql_reads_s3_tables_with_masks_and_joins(world: World) -> None:
    grant_to(world, world.analyst)
    count = world.analyst.sql(f"SELECT count(*) AS n FROM {TABLE}")
    assert count.column("n").to_pylist() == [6]
    emails = world.analyst.sql(f"SELECT email FROM {TABLE}").column("email").to_pylist()
    assert "ada@x.com" not in emails  # Confidential: masked for a consumer, even on S3
    joined = world.analyst.sql(
        "SELECT c.segment, count(*) AS n FROM marketing.marketing_lakehouse.silver_campaigns k "
        f"JOIN {TABLE} c ON c.segment = k.segment GROUP BY c.segment ORDER BY c.segment"
    )
    assert joined.to_pylist() == [
        {"segment": "Consumer", "n": 2},
        {"segment": "Enterprise", "n": 2},
        {"segment": "SMB", "n": 2},
    ]


def test_user_sql_cannot_reach_the_bucket_directly(world: World, bucket: str) -> None:
    """Tables on S3 are read through the engine; the SQL itself gets no file or network access."""
    uri = f"s3://{bucket}/mesh/sales/sales_lakehouse/Tables/gold_customer_360/*.parquet"
    for sql in (f"SELECT * FROM read_parquet('{uri}')", f"SELECT * FROM '{uri}'", f"SELECT * FROM delta_scan('{uri}')"):
        with pytest.raises(LakemeshError):
            world.admin.sql(sql)


def test_a_shortcut_across_domains_reads_the_s3_table_without_a_copy(
    world: World, s3_endpoint: str, bucket: str
) -> None:
    grant_to(world, world.analyst)
    target = {"domain": "Sales", "lakehouse": "sales_lakehouse", "table": "gold_customer_360"}
    world.analyst.create_shortcut("Marketing", "marketing_lakehouse", "Tables/shared_customer_360", target)
    rows = world.analyst.read_table("Marketing", "marketing_lakehouse", "shared_customer_360")
    assert rows.num_rows == 6 and "ada@x.com" not in rows.column("email").to_pylist()
    through_sql = world.analyst.sql("SELECT count(*) AS n FROM marketing.marketing_lakehouse.shared_customer_360")
    assert through_sql.column("n").to_pylist() == [6]
    assert keys(s3_endpoint, bucket, "mesh/marketing/marketing_lakehouse/Tables/shared_customer_360") == []


def test_a_semantic_model_over_s3_tables_answers_queries(world: World) -> None:
    world.owner.put_semantic_model("Sales", CUSTOMER_ANALYTICS)
    table = world.owner.query_semantic_model(
        "Sales",
        "Customer Analytics",
        dimensions=["Customers[Segment]"],
        measures=["[Total Lifetime Value]"],
        order_by=["Customers[Segment]"],
    )
    values = dict(zip(table.column(0).to_pylist(), table.column(1).to_pylist(), strict=True))
    assert values == {"Consumer": 75.0, "Enterprise": 1000.0, "SMB": 260.5}


def test_a_pipeline_ingests_files_and_writes_tables_on_s3(admin_pipeline: None, world: World) -> None:
    run = world.admin.run_pipeline("Sales", "orders")
    assert run.state == "succeeded", [s.error for s in run.steps]
    totals = world.admin.read_table("Sales", "sales_lakehouse", "silver_customer_totals").to_pylist()
    assert totals == [
        {"customer_id": "c1", "total": 17.75, "orders": 2},
        {"customer_id": "c2", "total": 20.0, "orders": 1},
    ]


def test_optimize_vacuum_history_and_time_travel_on_s3(world: World, s3_endpoint: str, bucket: str) -> None:
    name = ("Sales", "sales_lakehouse", "bronze_events")
    for i in range(4):
        world.admin.write_table(*name, pa.table({"n": [i, i]}))
        if i == 0:
            time.sleep(1.1)  # S3 keeps LastModified to the second, and timestamp travel resolves by it
    prefix = "mesh/sales/sales_lakehouse/Tables/bronze_events/"
    assert len([k for k in keys(s3_endpoint, bucket, prefix) if k.endswith(".parquet")]) == 4
    compacted = world.admin.optimize_table(*name)
    assert (compacted.files_removed, compacted.files_added, compacted.version) == (4, 1, 4)
    assert world.admin.get_table(*name).file_count == 1
    history = world.admin.table_history(*name)
    assert [c.version for c in history] == [4, 3, 2, 1, 0] and history[0].operation == "OPTIMIZE"
    assert world.admin.read_table(*name, version=1).num_rows == 4
    assert world.admin.read_table(*name, timestamp=history[-1].at).num_rows == 2
    vacuumed = world.admin.vacuum_table(*name, retention_hours=0, force=True)
    assert vacuumed.files_removed == 4
    assert len([k for k in keys(s3_endpoint, bucket, prefix) if k.endswith(".parquet")]) == 1
    assert sorted(world.admin.read_table(*name).column("n").to_pylist()) == [0, 0, 1, 1, 2, 2, 3, 3]
    with pytest.raises(Gone):
        world.admin.read_table(*name, version=1)


def test_files_area_on_s3_lists_streams_and_deletes(world: World, s3_endpoint: str, bucket: str) -> None:
    payload = bytes(range(256)) * 9000  # > 2 MiB: several chunks each way
    world.admin.upload_file("Sales", "sales_lakehouse", "raw/2025/blob.bin", payload)
    world.admin.upload_file("Sales", "sales_lakehouse", "raw/2025/small.csv", io.BytesIO(b"a\n1\n"))
    listed = {f.path: f.size_bytes for f in world.admin.list_files("Sales", "sales_lakehouse")}
    assert listed == {"raw/2025/blob.bin": len(payload), "raw/2025/small.csv": 4}
    assert world.admin.download_file("Sales", "sales_lakehouse", "raw/2025/blob.bin") == payload
    world.admin.delete_file("Sales", "sales_lakehouse", "raw/2025/blob.bin")
    assert keys(s3_endpoint, bucket, "mesh/sales/sales_lakehouse/Files/raw/2025/blob.bin") == []
    assert [f.path for f in world.admin.list_files("Sales", "sales_lakehouse")] == ["raw/2025/small.csv"]


TABLE_PARTS = ("Sales", "sales_lakehouse", "gold_customer_360")


@pytest.fixture
def admin_pipeline(world: World) -> None:
    """The pipelines suite's ingest + SQL transform, over a CSV in Sales' Files area on S3."""
    world.admin.upload_file("Sales", "sales_lakehouse", "orders/2025-01.csv", ORDERS_CSV)
    world.admin.apply_pipeline("Sales", ingest_and_transform())


def test_a_write_that_conflicts_with_a_concurrent_commit_is_a_conflict_and_commits_nothing(world: World) -> None:
    """A merge reads the table, another writer overwrites it meanwhile: the merge must not commit over that."""
    name = ("Sales", "sales_lakehouse", "silver_accounts")
    world.admin.write_table(*name, pa.table({"k": [1, 2], "v": ["a", "b"]}))
    schema = pa.schema([("k", pa.int64()), ("v", pa.string())])

    def source() -> Iterator[pa.RecordBatch]:
        # the other writer commits while the merge is reading its input (from another thread, as a replica would)
        other = threading.Thread(
            target=lambda: world.admin.write_table(*name, pa.table({"k": [9], "v": ["z"]}), mode="overwrite")
        )
        other.start()
        other.join()
        yield pa.record_batch({"k": [1], "v": ["A"]}, schema=schema)

    with pytest.raises(Conflict, match="Retry"):
        world.admin.merge_table(*name, pa.RecordBatchReader.from_batches(schema, source()), ["k"])
    assert world.admin.read_table(*name).to_pylist() == [{"k": 9, "v": "z"}]
    history = world.admin.table_history(*name)
    assert [c.operation for c in history] == ["WRITE", "CREATE TABLE"]  # the merge left no version


def test_deleting_a_table_removes_its_objects_from_the_bucket(world: World, s3_endpoint: str, bucket: str) -> None:
    world.admin.write_table("Sales", "sales_lakehouse", "bronze_tmp", pa.table({"n": [1]}))
    prefix = "mesh/sales/sales_lakehouse/Tables/bronze_tmp/"
    assert keys(s3_endpoint, bucket, prefix)
    world.admin.delete_table("Sales", "sales_lakehouse", "bronze_tmp")
    assert keys(s3_endpoint, bucket, prefix) == []
    assert keys(s3_endpoint, bucket, "mesh/sales/sales_lakehouse/Tables/gold_customer_360/")  # neighbours stay


def test_an_unknown_concurrency_mode_is_refused_at_start(settings: Settings) -> None:
    with pytest.raises(InvalidInput, match="s3_concurrency"):
        DataRoot.from_settings(settings.model_copy(update={"s3_concurrency": "dynamo"}))


@pytest.mark.parametrize("root", ["gs://bucket/lake", "az://container/lake", "s3://", "s3:///prefix"])
def test_a_data_root_that_is_not_a_path_or_an_s3_bucket_is_refused(settings: Settings, root: str) -> None:
    """Not silently a local folder named `gs:`: the server refuses to start with one line saying why."""
    with pytest.raises(InvalidInput, match="data_root"):
        DataRoot.from_settings(settings.model_copy(update={"data_root": root}))


def test_a_file_url_is_a_local_data_root(settings: Settings, tmp_path: Path) -> None:
    root = DataRoot.from_settings(settings.model_copy(update={"data_root": f"file://{tmp_path}/lake"}))
    assert root.is_local and root.root == str(tmp_path / "lake")


def test_a_first_write_that_loses_the_race_to_create_the_table_commits_on_top(world: World) -> None:
    """Two replicas both saw no table; the one whose create comes second appends instead of failing."""
    root, delta = world.admin.platform.data_root, world.admin.platform.delta
    uri = root.table_uri("sales", "sales_lakehouse", "bronze_race")
    filesystem, path = root.filesystem_path(uri)
    late = pa.table({"n": [2, 3]})
    late_files = writer.write_files(filesystem, path, iter(late.to_batches()), late.schema)
    delta.write(uri, pa.table({"n": [1]}))  # the other replica's create wins
    options = root.storage_options
    writer.commit(
        uri,
        late_files,
        late.schema,
        mode="append",
        exists=False,
        storage_options=options,
        commit_properties=CommitProperties(),
    )
    assert sorted(delta.open(uri).to_pyarrow_table()["n"].to_pylist()) == [1, 2, 3]
    other = pa.table({"n": ["x"]})
    other_files = writer.write_files(filesystem, path, iter(other.to_batches()), other.schema)
    with pytest.raises(CommitFailedError):  # a different schema: this write conflicts and commits nothing
        writer.commit(
            uri,
            other_files,
            other.schema,
            mode="append",
            exists=False,
            storage_options=options,
            commit_properties=CommitProperties(),
        )
    assert delta.open(uri).version() == 1
