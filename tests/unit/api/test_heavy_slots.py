"""Heavy requests take slots from a pool: a principal's third concurrent one, or any past the pool, is a 429."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from lakemesh.api.limits import HeavySlots
from lakemesh.core.errors import TooManyRequests
from lakemesh.core.settings import Settings
from lakemesh.engine.session import EngineSession
from lakemesh.mesh import Mesh

QUERY = {"sql": "SELECT count(*) AS n FROM sales.sales_lakehouse.orders"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"heavy_slots": 4, "heavy_slots_per_principal": 2})


@pytest.fixture
def mesh(mesh: Mesh) -> Mesh:
    mesh.write_table("Sales", "sales_lakehouse", "orders", pa.table({"id": [1, 2, 3]}))
    return mesh


def test_a_third_concurrent_heavy_request_by_one_principal_is_429(client: TestClient, mesh: Mesh) -> None:
    slots: HeavySlots = client.app.state.heavy_slots  # type: ignore[attr-defined]
    me = mesh.whoami().id
    slots.acquire(me)  # two heavy requests of this principal still running
    slots.acquire(me)
    response = client.post("/api/v1/query", json=QUERY)
    assert response.status_code == 429 and response.headers["Retry-After"] == "1"
    assert response.headers["content-type"] == "application/problem+json"
    assert "2 heavy requests" in response.json()["detail"]
    upload = client.put("/api/v1/domains/sales/lakehouses/sales_lakehouse/files/a.txt", content=b"a")
    assert upload.status_code == 429
    assert client.get("/api/v1/domains/sales/lakehouses").status_code == 200  # metadata takes no slot
    assert client.get("/healthz").status_code == 200 and client.get("/readyz").status_code == 200
    slots.release(me)
    assert client.post("/api/v1/query", json=QUERY).json()["rows"] == [[3]]
    assert slots.held == 1  # the finished request gave its slot back


def test_a_full_pool_refuses_everyone_until_a_slot_frees(client: TestClient, mesh: Mesh) -> None:
    slots: HeavySlots = client.app.state.heavy_slots  # type: ignore[attr-defined]
    for name in ("a", "b", "c", "d"):
        slots.acquire(name)
    response = client.post("/api/v1/query", json=QUERY)
    assert response.status_code == 429 and "4 heavy requests at once" in response.json()["detail"]
    slots.release("a")
    assert client.post("/api/v1/query", json=QUERY).status_code == 200


def test_slots_are_counted_per_principal() -> None:
    slots = HeavySlots(size=3, per_principal=2)
    slots.acquire("viewer")
    slots.acquire("viewer")
    with pytest.raises(TooManyRequests):
        slots.acquire("viewer")
    slots.acquire("other")
    with pytest.raises(TooManyRequests):
        slots.acquire("third")
    slots.release("viewer")
    slots.acquire("third")
    assert slots.held == 3


def test_queries_have_a_memory_limit_and_a_spill_directory(mesh: Mesh) -> None:
    query = mesh.platform.query
    assert query.memory_limit == "1GB"
    assert query.spill_directory == str(mesh.platform.settings.home / "tmp" / "spill")
    assert mesh.sql("SELECT count(*) AS n FROM sales.sales_lakehouse.orders").num_rows == 1


def test_a_session_with_a_spill_directory_still_has_no_file_access(tmp_path: Path) -> None:
    with EngineSession(memory_limit="64MB", spill_directory=str(tmp_path / "tmp" / "spill")) as engine:
        connection = engine._connection
        with pytest.raises(duckdb.Error, match="disabled by configuration"):
            connection.execute("SELECT * FROM read_csv('/etc/passwd')")
        with pytest.raises(duckdb.Error):
            connection.execute("SET enable_external_access = true")
        # an ORDER BY over more than the memory limit spills instead of failing
        rows = connection.execute(
            "SELECT count(*) FROM (SELECT i, md5(i::VARCHAR) m FROM range(2000000) t(i) ORDER BY m)"
        ).fetchall()
    assert rows == [(2000000,)]
