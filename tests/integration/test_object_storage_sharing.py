"""`lakemesh serve` with its data root on S3 (moto on loopback): REST writes, and the real Delta Sharing client
reading through Lakemesh-signed URLs that Lakemesh streams from the bucket."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import delta_sharing
import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import PG_BASE, create_pg_database, drop_pg_database
from tests.integration.conftest import Server, start_server
from tests.integration.test_sharing_api import share_orders
from tests.object_store import keys, new_bucket, s3_endpoint, s3_environment

__all__ = ["s3_endpoint"]  # the moto server fixture, registered by importing it

PARQUET = {"Content-Type": "application/vnd.apache.parquet"}


def parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


@pytest.fixture(scope="module")
def s3_server(s3_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    """One server on the suite's catalog backend with LAKEMESH_DATA_ROOT=s3://<bucket>/mesh."""
    bucket = new_bucket(s3_endpoint)
    home = tmp_path_factory.mktemp("s3server") / "home"
    catalog_url = create_pg_database(PG_BASE, "lakemesh_s3", migrated=True) if PG_BASE else None
    with pytest.MonkeyPatch.context() as env:
        for name, value in s3_environment(s3_endpoint, bucket).items():
            env.setenv(name, value)
        process, server = start_server(home, catalog_url)
    yield server, bucket
    process.terminate()
    process.wait(timeout=20)
    log = next(home.parent.glob("server-*.log")).read_text(errors="replace")
    assert "Traceback" not in log, f"the server failed a request:\n{log[-4000:]}"
    if PG_BASE and catalog_url:
        drop_pg_database(PG_BASE, catalog_url)


@pytest.fixture(scope="module")
def shared(s3_server: tuple[Server, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A partitioned table with a Confidential column, written twice over REST, shared with one recipient."""
    server, _ = s3_server
    return share_orders(server, tmp_path_factory.mktemp("profile"), schema=None)


def test_the_real_client_reads_an_s3_table_with_version_and_limit(
    s3_server: tuple[Server, str], shared: dict[str, str], s3_endpoint: str
) -> None:
    _, bucket = s3_server
    schema_of = {(t.share, t.name): t.schema for t in delta_sharing.SharingClient(shared["profile"]).list_all_tables()}
    url = f"{shared['profile']}#{shared['share']}.{schema_of[(shared['share'], 'orders')]}.orders"
    frame = delta_sharing.load_as_pandas(url)
    assert sorted(frame["id"].tolist()) == [1, 2, 3, 4, 5]
    assert list(frame.columns) == ["id", "region"]  # the Confidential column is not served
    assert sorted(delta_sharing.load_as_pandas(url, version=1)["id"].tolist()) == [1, 2, 3]
    assert len(delta_sharing.load_as_pandas(url, limit=2)) == 2
    # the projected copies (email left out) were written to the bucket, beside the tables
    assert keys(s3_endpoint, bucket, "mesh/_platform/sharing/")


def test_signed_urls_point_at_lakemesh_and_stream_from_the_bucket(
    s3_server: tuple[Server, str], shared: dict[str, str]
) -> None:
    server, _ = s3_server
    headers = {"Authorization": f"Bearer {shared['token']}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as http:
        schema = http.get(f"/delta-sharing/shares/{shared['share']}/schemas").json()["items"][0]["name"]
        query = http.post(f"/delta-sharing/shares/{shared['share']}/schemas/{schema}/tables/orders/query", json={})
        assert query.status_code == 200, query.text
        files = [json.loads(line)["file"] for line in query.text.splitlines() if '"file"' in line]
        assert len(files) == 4  # (eu, us) x two writes
        for file in files:
            assert file["url"].startswith(server.url)  # served by Lakemesh, never a bucket URL or credential
            body = httpx.get(file["url"], timeout=30)
            assert body.status_code == 200 and len(body.content) == file["size"]
            assert "email" not in pq.read_table(pa.BufferReader(body.content)).column_names
        ranged = httpx.get(files[0]["url"], headers={"Range": "bytes=0-3"}, timeout=30)
        assert ranged.status_code == 206 and ranged.content == b"PAR1"
        payload, _, mac = files[0]["url"].rpartition(".")
        tampered = httpx.get(f"{payload}.{'A' if mac[0] != 'A' else 'B'}{mac[1:]}", timeout=30)
        assert tampered.status_code == 403


def test_rest_reads_and_writes_land_in_the_bucket(s3_server: tuple[Server, str], s3_endpoint: str) -> None:
    server, bucket = s3_server
    domain = f"d{uuid.uuid4().hex[:8]}"
    with server.client() as http:
        assert http.post("/api/v1/domains", json={"name": domain}).status_code == 201
        assert http.post(f"/api/v1/domains/{domain}/lakehouses", json={"name": "lh"}).status_code == 201
        data = f"/api/v1/domains/{domain}/lakehouses/lh/tables/events/data"
        for start in (0, 3):
            table = pa.table({"id": list(range(start, start + 3))})
            assert http.post(data, content=parquet(table), headers=PARQUET).status_code in (200, 201)
        read = http.get(data, params={"format": "parquet"})
        assert sorted(pq.read_table(pa.BufferReader(read.content)).column("id").to_pylist()) == list(range(6))
        upload = http.put(f"/api/v1/domains/{domain}/lakehouses/lh/files/raw/a.csv", content=b"x\n1\n")
        assert upload.status_code in (200, 201), upload.text
    stored = keys(s3_endpoint, bucket, f"mesh/{domain}/lh/")
    assert len([k for k in stored if "/Tables/events/_delta_log/" in k and k.endswith(".json")]) == 2
    assert f"mesh/{domain}/lh/Files/raw/a.csv" in stored
    assert not any(Path(server.home).glob(f"data/{domain}"))  # nothing on the server's local disk
