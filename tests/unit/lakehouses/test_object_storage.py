"""The data root on S3: a real S3-compatible server (moto in server mode) on loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pyarrow as pa
import pytest

from lakemesh.core.settings import Settings
from lakemesh.mesh import Mesh
from lakemesh.platform import Platform
from tests.object_store import keys, new_bucket, s3_endpoint, s3_settings

__all__ = ["s3_endpoint"]  # the moto server fixture, registered by importing it


@pytest.fixture
def s3_mesh(s3_endpoint: str, settings: Settings) -> Iterator[tuple[Mesh, str]]:
    bucket = new_bucket(s3_endpoint)
    platform = Platform(s3_settings(settings, s3_endpoint, bucket))
    platform.initialize()
    mesh = Mesh(platform, platform.principals.bootstrap_admin())
    mesh.create_domain("Sales")
    mesh.create_lakehouse("Sales", "sales_lakehouse")
    yield mesh, bucket
    platform.close()


def test_tables_and_files_live_on_s3(s3_mesh: tuple[Mesh, str], s3_endpoint: str) -> None:
    mesh, bucket = s3_mesh
    mesh.write_table("Sales", "sales_lakehouse", "gold_t", pa.table({"id": [1, 2], "v": ["a", "b"]}))
    mesh.write_table("Sales", "sales_lakehouse", "gold_t", pa.table({"id": [3], "v": ["c"]}))
    assert mesh.read_table("Sales", "sales_lakehouse", "gold_t").num_rows == 3
    assert mesh.read_table("Sales", "sales_lakehouse", "gold_t", version=0).num_rows == 2
    mesh.upload_file("Sales", "sales_lakehouse", "raw/x.csv", b"a,b\n1,2\n")
    assert [f.path for f in mesh.list_files("Sales", "sales_lakehouse")] == ["raw/x.csv"]
    assert mesh.download_file("Sales", "sales_lakehouse", "raw/x.csv") == b"a,b\n1,2\n"
    stored = keys(s3_endpoint, bucket)
    assert any(k.startswith("mesh/sales/sales_lakehouse/Tables/gold_t/_delta_log/") for k in stored)
    assert "mesh/sales/sales_lakehouse/Files/raw/x.csv" in stored


def test_concurrent_commits_on_s3_all_land(s3_mesh: tuple[Mesh, str]) -> None:
    """Conditional put (If-None-Match) keeps concurrent Delta commits safe without a lock service."""
    mesh, _ = s3_mesh
    mesh.write_table("Sales", "sales_lakehouse", "bronze_c", pa.table({"n": [0]}))
    errors: list[BaseException] = []

    def append(i: int) -> None:
        try:
            mesh.write_table("Sales", "sales_lakehouse", "bronze_c", pa.table({"n": [i] * 10}))
        except BaseException as exc:  # pragma: no cover - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(i,)) for i in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert mesh.read_table("Sales", "sales_lakehouse", "bronze_c").num_rows == 41
    assert mesh.get_table("Sales", "sales_lakehouse", "bronze_c").version == 4
