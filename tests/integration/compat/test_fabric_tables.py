"""Fabric's lakehouse tables: list, and load Files/ into a table through the long-running-operation pattern."""

from __future__ import annotations

import io
import json
import uuid

import httpx
import pyarrow as pa
import pyarrow.parquet as pq

from tests.integration.compat.test_fabric_errors import _fabric_error, _person
from tests.integration.conftest import Server

FABRIC = "/fabric/v1"
CSV = b"customer_id,segment,lifetime_value\nc1,SMB,10.5\nc2,Enterprise,99\n"


def _parquet(rows: dict[str, list[object]]) -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.table(rows), sink)
    return sink.getvalue()


def _setup(http: httpx.Client) -> tuple[str, str, str]:
    name = f"L{uuid.uuid4().hex[:8]}"
    workspace = http.post(f"{FABRIC}/workspaces", json={"displayName": f"{name}-Domain"}).json()
    lakehouse = http.post(f"{FABRIC}/workspaces/{workspace['id']}/lakehouses", json={"displayName": "raw"}).json()
    files = f"/api/v1/domains/{name}/lakehouses/raw/files"
    assert http.put(f"{files}/landing/customers.csv", content=CSV).is_success
    more = _parquet({"customer_id": ["c3"], "segment": ["Consumer"], "lifetime_value": [1.25]})
    assert http.put(f"{files}/landing/more/customers.parquet", content=more).is_success
    assert http.put(f"{files}/bad/broken.parquet", content=b"PAR1 not really").is_success
    base = f"{FABRIC}/workspaces/{workspace['id']}/lakehouses/{lakehouse['id']}"
    return name, base, files


def _rows_of(http: httpx.Client, domain: str, table: str) -> list[dict[str, object]]:
    data = http.get(f"/api/v1/domains/{domain}/lakehouses/raw/tables/{table}/data", params={"format": "json"})
    assert data.status_code == 200, data.text
    return [json.loads(line) for line in data.text.splitlines()]


def _rows(http: httpx.Client, domain: str, table: str) -> list[dict[str, object]]:
    return sorted(_rows_of(http, domain, table), key=lambda r: str(r["customer_id"]))


def test_load_a_csv_then_append_parquet_through_the_long_running_operation(server: Server) -> None:
    with server.client() as http:
        domain, base, _ = _setup(http)
        body = {
            "relativePath": "Files/landing/customers.csv",
            "pathType": "File",
            "mode": "Overwrite",
            "formatOptions": {"format": "Csv", "header": True, "delimiter": ","},
        }
        started = http.post(f"{base}/tables/customers/load", json=body)
        assert started.status_code == 202, started.text
        operation_id = started.headers["x-ms-operation-id"]
        assert started.headers["Location"].endswith(f"/fabric/v1/operations/{operation_id}")
        state = http.get(started.headers["Location"])
        assert state.status_code == 200 and state.json()["status"] == "Succeeded"
        result = http.get(state.headers["Location"]).json()
        assert result["rowsWritten"] == 2 and result["mode"] == "overwrite"
        rows = _rows(http, domain, "customers")
        assert [(r["customer_id"], r["segment"], r["lifetime_value"]) for r in rows] == [
            ("c1", "SMB", 10.5),
            ("c2", "Enterprise", 99.0),
        ]

        append = {"relativePath": "Files/landing/more", "pathType": "Folder", "mode": "Append"}
        append["formatOptions"] = {"format": "Parquet"}  # type: ignore[assignment]
        assert http.post(f"{base}/tables/customers/load", json=append).status_code == 202
        assert [r["customer_id"] for r in _rows(http, domain, "customers")] == ["c1", "c2", "c3"]
        again = http.post(f"{base}/tables/customers/load", json=body)  # overwrite: back to the CSV's two rows
        assert again.status_code == 202
        assert [r["customer_id"] for r in _rows(http, domain, "customers")] == ["c1", "c2"]

        # A headerless, semicolon-separated folder of `.txt` files: columns f0, f1, ...; only that extension loaded.
        files = f"/api/v1/domains/{domain}/lakehouses/raw/files"
        assert http.put(f"{files}/exports/a.txt", content=b"x1;1\nx2;2\n").is_success
        assert http.put(f"{files}/exports/sub/b.txt", content=b"x3;3\n").is_success
        assert http.put(f"{files}/exports/skip.csv", content=b"nope\n").is_success
        folder = {
            "relativePath": "Files/exports",
            "pathType": "Folder",
            "fileExtension": "txt",
            "recursive": True,
            "formatOptions": {"format": "Csv", "header": False, "delimiter": ";"},
        }
        assert http.post(f"{base}/tables/exports/load", json=folder).status_code == 202
        loaded = sorted(_rows_of(http, domain, "exports"), key=lambda r: str(r["f0"]))
        assert [(r["f0"], r["f1"]) for r in loaded] == [("x1", 1), ("x2", 2), ("x3", 3)]

        listed = http.get(f"{base}/tables").json()["data"]
        assert [(t["name"], t["type"], t["format"]) for t in listed] == [
            ("customers", "Managed", "Delta"),
            ("exports", "Managed", "Delta"),
        ]


def test_bad_loads_answer_fabric_errors_and_write_nothing(server: Server) -> None:
    with server.client() as http:
        domain, base, _ = _setup(http)
        load = f"{base}/tables/customers/load"
        outside = http.post(load, json={"relativePath": "Tables/other", "formatOptions": {"format": "Csv"}})
        _fabric_error(outside, 400, "InvalidInput")
        traversal = http.post(load, json={"relativePath": "Files/../../secrets.csv"})
        _fabric_error(traversal, 400, "InvalidInput")
        _fabric_error(http.post(load, json={"relativePath": "Files/landing/nope.csv"}), 404, "EntityNotFound")
        _fabric_error(http.post(load, json={"relativePath": "Files/bad/broken.parquet"}), 400, "BadRequest")
        _fabric_error(http.post(load, json={"relativePath": "Files/landing/x.bin"}), 400, "InvalidInput")
        tables = f"/api/v1/domains/{domain}/lakehouses/raw/tables"
        assert http.get(f"{tables}/customers").status_code == 404  # nothing half-created

        assert http.post(load, json={"relativePath": "Files/landing/customers.csv"}).status_code == 202
        # A later file whose columns do not match the table: refused whole, the table keeps its two rows.
        mismatch = _parquet({"customer_id": [1], "other": [True]})
        assert http.put(f"/api/v1/domains/{domain}/lakehouses/raw/files/odd.parquet", content=mismatch).is_success
        refused = http.post(load, json={"relativePath": "Files/odd.parquet", "mode": "Append"})
        _fabric_error(refused, 400, "InvalidInput")
        assert len(_rows(http, domain, "customers")) == 2
        operation = http.post(load, json={"relativePath": "Files/landing/customers.csv"}).headers["x-ms-operation-id"]

        person, token = _person(http)
        role = {"principal": {"id": person, "type": "User"}, "role": "Viewer"}
        workspace = base.split("/")[4]
        assert http.post(f"{FABRIC}/workspaces/{workspace}/roleAssignments", json=role).status_code == 201
    with server.client(token) as viewer:
        refused = viewer.post(load, json={"relativePath": "Files/landing/customers.csv", "mode": "Append"})
        _fabric_error(refused, 403, "InsufficientPrivileges")
        _fabric_error(viewer.get(f"{FABRIC}/operations/{operation}"), 404, "OperationNotFound")
        _fabric_error(viewer.get(f"{FABRIC}/operations/{uuid.uuid4()}/result"), 404, "OperationNotFound")
