"""The data root on S3: a real S3-compatible server (moto in server mode) on loopback."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pyarrow as pa
import pytest

from lakemesh.core.settings import Settings
from lakemesh.mesh import Mesh
from lakemesh.platform import Platform


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def s3_mesh(s3_endpoint: str, settings: Settings, tmp_path: Path) -> Iterator[tuple[Mesh, str]]:
    bucket = f"lake-{tmp_path.name.lower().replace('_', '-')[-40:]}"
    client = boto3.client(
        "s3", endpoint_url=s3_endpoint, aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )
    client.create_bucket(Bucket=bucket)
    s3_settings = settings.model_copy(
        update={
            "data_root": f"s3://{bucket}/mesh",
            "s3_endpoint_url": s3_endpoint,
            "s3_access_key_id": "test",
            "s3_secret_access_key": "test",
        }
    )
    platform = Platform(s3_settings)
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
    client = boto3.client(
        "s3", endpoint_url=s3_endpoint, aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert any(k.startswith("mesh/sales/sales_lakehouse/Tables/gold_t/_delta_log/") for k in keys)
    assert "mesh/sales/sales_lakehouse/Files/raw/x.csv" in keys


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
