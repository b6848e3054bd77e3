"""Two `lakemesh serve` replicas on one PostgreSQL catalog and one s3:// data root, writing one table at once.

Delta commits on S3 are made safe by conditional put (If-None-Match): two replicas racing for the same log
version get one winner; delta-rs re-reads the log and retries the loser at the next version when the writes
do not conflict (appends), and refuses it when they do. Nothing is lost and the log never forks.
"""

from __future__ import annotations

import io
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from tests.conftest import PG_BASE, create_pg_database, drop_pg_database
from tests.integration.conftest import Server, start_server
from tests.object_store import KEY, REGION, keys, new_bucket, s3_endpoint, s3_environment

__all__ = ["s3_endpoint"]  # the moto server fixture, registered by importing it

LOCAL_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PARQUET = {"Content-Type": "application/vnd.apache.parquet"}


def _postgres() -> str:
    base = PG_BASE or LOCAL_PG
    try:
        engine = create_engine(base, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except OperationalError as exc:
        pytest.skip(f"replicas need the PostgreSQL server at {base}, which is unreachable: {exc.orig}")
    return base


@pytest.fixture(scope="module")
def replicas(s3_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server, str]]:
    """Two servers sharing one catalog database and one bucket (and, as in a deployment, one configuration)."""
    base = _postgres()
    bucket = new_bucket(s3_endpoint)
    catalog_url = create_pg_database(base, "lakemesh_replicas")
    home = tmp_path_factory.mktemp("replicas") / "home"
    processes = []
    try:
        with pytest.MonkeyPatch.context() as env:
            for name, value in s3_environment(s3_endpoint, bucket).items():
                env.setenv(name, value)
            first, one = start_server(home, catalog_url)
            processes.append(first)
            second, two = start_server(home, catalog_url)  # same home: reads the admin token the first one wrote
            processes.append(second)
        yield one, two, bucket
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)
        drop_pg_database(base, catalog_url)
    for log in home.parent.glob("server-*.log"):
        assert "Traceback" not in log.read_text(errors="replace"), log.read_text(errors="replace")[-4000:]


def parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def batch(writer: int, index: int, rows: int = 5) -> pa.Table:
    return pa.table({"writer": [writer] * rows, "seq": [index] * rows, "row": list(range(rows))})


def in_parallel(*jobs: Callable[[], Any]) -> list[Any]:
    """Run the jobs on threads released at the same moment; returns their results (or exceptions)."""
    results: list[Any] = [None] * len(jobs)
    start = threading.Barrier(len(jobs))

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = jobs[index]()
        except Exception as exc:  # reported to the test through the results
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def new_table(server: Server) -> str:
    domain = f"r{uuid.uuid4().hex[:8]}"
    with server.client() as http:
        assert http.post("/api/v1/domains", json={"name": domain}).status_code == 201
        assert http.post(f"/api/v1/domains/{domain}/lakehouses", json={"name": "lh"}).status_code == 201
        spec = {
            "name": "events",
            "columns": [
                {"name": "writer", "type": "int64"},
                {"name": "seq", "type": "int64"},
                {"name": "row", "type": "int64"},
            ],
        }
        created = http.post(f"/api/v1/domains/{domain}/lakehouses/lh/tables", json=spec)
        assert created.status_code == 201, created.text
    return domain


def delta_table(endpoint: str, bucket: str, domain: str) -> DeltaTable:
    options = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ALLOW_HTTP": "true",
        "AWS_ACCESS_KEY_ID": KEY,
        "AWS_SECRET_ACCESS_KEY": KEY,
        "AWS_REGION": REGION,
    }
    return DeltaTable(f"s3://{bucket}/mesh/{domain}/lh/Tables/events", storage_options=options)


def test_two_replicas_appending_to_one_table_lose_nothing(
    replicas: tuple[Server, Server, str], s3_endpoint: str
) -> None:
    one, two, bucket = replicas
    domain = new_table(one)
    path = f"/api/v1/domains/{domain}/lakehouses/lh/tables/events/data"

    def appends(server: Server, writer: int) -> list[int]:
        versions = []
        with server.client() as http:
            for index in range(10):
                response = http.post(path, content=parquet(batch(writer, index)), headers=PARQUET)
                assert response.status_code in (200, 201), response.text
                versions.append(response.json()["version"])
        return versions

    results = in_parallel(lambda: appends(one, 1), lambda: appends(two, 2))
    assert not [r for r in results if isinstance(r, BaseException)], results
    reported = sorted(v for versions in results for v in versions)
    table = delta_table(s3_endpoint, bucket, domain)
    history = table.history()
    writes = sorted(int(h["version"]) for h in history if h.get("operation") == "WRITE")
    # every write got its own version, the one it reported, and the log has no gaps
    log = [(h["version"], h.get("operation"), h.get("lakemesh.write")) for h in history]
    assert len(set(reported)) == 20 and reported == writes, (reported, log)
    assert sorted(int(h["version"]) for h in history) == list(range(table.version() + 1))
    data = table.to_pyarrow_table()
    assert data.num_rows == 100
    landed = {(w, s) for w, s in zip(data["writer"].to_pylist(), data["seq"].to_pylist(), strict=True)}
    assert landed == {(w, s) for w in (1, 2) for s in range(10)}
    # both replicas now answer with the same table (no stale per-replica state)
    for server in (one, two):
        with server.client() as http:
            read = http.get(path, params={"format": "parquet"})
            assert pq.read_table(pa.BufferReader(read.content)).num_rows == 100
            described = http.get(f"/api/v1/domains/{domain}/lakehouses/lh/tables/events").json()
            assert described["row_count"] == 100 and described["version"] == table.version()
    assert keys(s3_endpoint, bucket, f"mesh/{domain}/lh/Tables/events/_delta_log/")


def test_an_overwrite_racing_an_append_serializes_or_gets_a_clear_409(
    replicas: tuple[Server, Server, str], s3_endpoint: str
) -> None:
    one, two, bucket = replicas
    domain = new_table(one)
    path = f"/api/v1/domains/{domain}/lakehouses/lh/tables/events/data"
    with one.client() as http:
        assert http.post(path, content=parquet(batch(0, 0)), headers=PARQUET).status_code in (200, 201)
    for round_ in range(1, 4):

        def overwrite(r: int = round_) -> httpx.Response:
            with one.client() as http:
                return http.post(path, params={"mode": "overwrite"}, content=parquet(batch(10, r)), headers=PARQUET)

        def append(r: int = round_) -> httpx.Response:
            with two.client() as http:
                return http.post(path, content=parquet(batch(20, r)), headers=PARQUET)

        written, appended = in_parallel(overwrite, append)
        for response in (written, appended):
            assert response.status_code in (200, 201, 409), response.text
            if response.status_code == 409:
                problem = response.json()
                assert response.headers["content-type"].startswith("application/problem+json")
                assert "Retry" in problem["detail"]
        data = delta_table(s3_endpoint, bucket, domain).to_pyarrow_table()
        landed = set(zip(data["writer"].to_pylist(), data["seq"].to_pylist(), strict=True))
        overwrote, added = written.status_code != 409, appended.status_code != 409
        # a committed overwrite leaves only its rows, plus the append's if the append committed after it
        if overwrote:
            assert landed in ({(10, round_)}, {(10, round_), (20, round_)}), landed
        else:
            assert (20, round_) in landed and (10, round_) not in landed
        assert added or (20, round_) not in landed
        assert data.num_rows == 5 * len(landed)
