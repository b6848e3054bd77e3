"""Table data over REST through a real server: formats, refusals that leave the table unchanged, time travel."""

from __future__ import annotations

import io
import json
import uuid

import httpx
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from lakemesh import connect
from tests.integration.conftest import Server


@pytest.fixture(scope="module")
def lakehouse(server: Server) -> str:
    domain = f"d{uuid.uuid4().hex[:8]}"
    with server.client() as http:
        assert http.post("/api/v1/domains", json={"name": domain}).status_code == 201
        body = {
            "name": "lh",
            "description": "test",
            "data_steward": "s@company.com",
            "template": "domain-lakehouse-template",
        }
        assert http.post(f"/api/v1/domains/{domain}/lakehouses", json=body).status_code == 201
    return f"/api/v1/domains/{domain}/lakehouses/lh"


def _table(n: int, start: int = 0) -> pa.Table:
    return pa.table({"id": list(range(start, start + n)), "name": [f"n{i}" for i in range(start, start + n)]})


def _parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def _arrow(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def _csv(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pacsv.write_csv(table, sink)
    return sink.getvalue()


def test_write_in_each_format_and_read_back_in_each(server: Server, lakehouse: str) -> None:
    data = f"{lakehouse}/tables/bronze_events/data"
    with server.client() as http:
        bodies = [
            ("application/vnd.apache.parquet", _parquet(_table(3))),
            ("application/vnd.apache.arrow.stream", _arrow(_table(3, 3))),
            ("text/csv", _csv(_table(3, 6))),
        ]
        for media, body in bodies:
            response = http.post(data, content=body, headers={"Content-Type": media})
            assert response.status_code == 200, response.text
            assert response.json()["rows_written"] == 3
        info = http.get(f"{lakehouse}/tables/bronze_events").json()
        assert (info["row_count"], info["version"], info["layer"]) == (9, 2, "bronze")
        arrow = pa.ipc.open_stream(http.get(data).content).read_all()
        assert sorted(arrow["id"].to_pylist()) == list(range(9))
        parquet = pq.read_table(io.BytesIO(http.get(data, params={"format": "parquet"}).content))
        assert parquet.num_rows == 9
        csv = http.get(data, params={"format": "csv", "version": 0}).text.splitlines()
        assert csv[0] == '"id","name"' and len(csv) == 4
        lines = http.get(data, params={"format": "json", "limit": 2, "columns": "name"}).text.splitlines()
        assert [set(json.loads(line)) for line in lines] == [{"name"}, {"name"}]


def test_corrupt_or_mismatching_bodies_change_nothing(server: Server, lakehouse: str) -> None:
    data = f"{lakehouse}/tables/silver_safe/data"
    with server.client() as http:
        http.post(data, content=_parquet(_table(2)), headers={"Content-Type": "application/vnd.apache.parquet"})
        broken = _parquet(_table(50))[:200]
        for media, body in [
            ("application/vnd.apache.parquet", broken),
            ("application/vnd.apache.arrow.stream", b"not arrow at all"),
            ("application/vnd.apache.parquet", b"PAR1" + b"\x00" * 64 + b"PAR1"),
        ]:
            response = http.post(data, content=body, headers={"Content-Type": media})
            assert response.status_code == 400, response.text
            assert response.headers["content-type"] == "application/problem+json"
        mismatch = pa.table({"id": ["not-a-number"], "name": ["x"]})
        response = http.post(
            data, content=_arrow(mismatch), headers={"Content-Type": "application/vnd.apache.arrow.stream"}
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["data", "id"]
        response = http.post(data, content=b"{}", headers={"Content-Type": "application/json"})
        assert response.status_code == 415
        assert http.get(f"{lakehouse}/tables/silver_safe").json()["version"] == 0


def test_a_failed_first_write_leaves_no_table(server: Server, lakehouse: str) -> None:
    with server.client() as http:
        response = http.post(
            f"{lakehouse}/tables/bronze_never/data", content=b"garbage", headers={"Content-Type": "text/csv"}
        )
        assert response.status_code in {400, 422}
        assert http.get(f"{lakehouse}/tables/bronze_never").status_code == 404


def test_vacuumed_version_is_gone_not_a_crash(server: Server, lakehouse: str) -> None:
    data = f"{lakehouse}/tables/silver_churn/data"
    with server.client() as http:
        http.post(data, content=_arrow(_table(2)), headers={"Content-Type": "application/vnd.apache.arrow.stream"})
        http.post(
            data,
            params={"mode": "overwrite"},
            content=_arrow(_table(1)),
            headers={"Content-Type": "application/vnd.apache.arrow.stream"},
        )
        vacuum = http.post(f"{lakehouse}/tables/silver_churn/vacuum", json={"retention_hours": 0, "force": True})
        assert vacuum.status_code == 200 and vacuum.json()["files_removed"] == 1
        gone = http.get(data, params={"version": 0})
        assert gone.status_code == 410
        assert gone.headers["content-type"] == "application/problem+json"
        history = http.get(f"{lakehouse}/tables/silver_churn/history").json()["items"]
        assert [h["operation"] for h in history][:2] == ["VACUUM END", "VACUUM START"]


def test_files_over_rest_refuse_escapes(server: Server, lakehouse: str) -> None:
    with server.client() as http:
        ok = http.put(f"{lakehouse}/files/raw/a.json", content=b'{"a": 1}')
        assert ok.status_code == 201 and ok.json()["size_bytes"] == 8
        assert http.get(f"{lakehouse}/files/raw/a.json").content == b'{"a": 1}'
        for bad in ["raw/%2e%2e/%2e%2e/x", "%2Fetc%2Fpasswd", "raw/..%2F..%2Fx"]:
            response = http.put(f"{lakehouse}/files/{bad}", content=b"x")
            assert response.status_code in {404, 422}, (bad, response.status_code)
        assert [f["path"] for f in http.get(f"{lakehouse}/files").json()["items"]] == ["raw/a.json"]


def test_sdk_writes_pandas_and_reads_arrow(server: Server, lakehouse: str) -> None:
    import pandas as pd

    domain = lakehouse.split("/")[4]
    with connect(server.url, server.token) as mesh:
        frame = pd.DataFrame({"id": [1, 2, 3], "name": ["a", "b", "c"]})
        result = mesh.write_table(domain, "lh", "gold_frame", frame)
        assert result.rows_written == 3
        mesh.merge_table(domain, "lh", "gold_frame", pa.table({"id": [3, 4], "name": ["C", "d"]}), keys=["id"])
        table = mesh.read_table(domain, "lh", "gold_frame")
        assert dict(zip(table["id"].to_pylist(), table["name"].to_pylist(), strict=True)) == {
            1: "a",
            2: "b",
            3: "C",
            4: "d",
        }
        assert mesh.read_table(domain, "lh", "gold_frame", version=0).num_rows == 3


def test_unauthenticated_and_outsiders(server: Server, lakehouse: str) -> None:
    assert httpx.get(f"{server.url}{lakehouse}/tables").status_code == 401


def test_csv_into_a_typed_table_is_parsed_with_the_table_schema(server: Server, lakehouse: str) -> None:
    """Issue 28.4: CSV carries no types; into an existing decimal/date table it is parsed as the table's types."""
    from decimal import Decimal

    typed = pa.table(
        {
            "invoice_id": pa.array(["007"]),
            "amount": pa.array([Decimal("1.00")], pa.decimal128(18, 2)),
            "issued": pa.array([None], pa.date32()),
        }
    )
    url = f"{lakehouse}/tables/gold_invoices/data"
    csv = {"Content-Type": "text/csv"}
    with server.client() as http:
        assert (
            http.post(
                url, content=_arrow(typed), headers={"Content-Type": "application/vnd.apache.arrow.stream"}
            ).status_code
            == 200
        )
        good = http.post(url, content=b"invoice_id,amount,issued\n008,-50.00,2025-01-31\n009,,\n", headers=csv)
        assert good.status_code == 200, good.text
        bad = http.post(url, content=b"invoice_id,amount,issued\n010,1.005,2025-01-31\n011,abc,x\n", headers=csv)
        assert bad.status_code == 422
        errors = {e["loc"][-1]: e for e in bad.json()["errors"]}
        assert errors["amount"]["rows"] == [1, 2] and errors["issued"]["rows"] == [2]
        assert bad.json()["detail"].count("amount:") == 1
        rows = pa.ipc.open_stream(http.get(f"{url}?format=arrow").content).read_all()
    assert sorted(rows.column("invoice_id").to_pylist()) == ["007", "008", "009"]
    assert rows.schema.field("amount").type == pa.decimal128(18, 2)
