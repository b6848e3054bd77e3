"""A share decides what it exposes at every read: a column labelled after the table was shared stops being served."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path
from typing import Any

import delta_sharing
import httpx
import pyarrow as pa
import pyarrow.parquet as pq

from tests.integration.conftest import Server

PARQUET = {"Content-Type": "application/vnd.apache.parquet"}


def _parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def _share_unlabelled(server: Server, folder: Path) -> dict[str, Any]:
    suffix = uuid.uuid4().hex[:6]
    domain, share = f"lbl{suffix}", f"lbl_{suffix}"
    columns = [
        {"name": "id", "type": "int64"},
        {"name": "customer_name", "type": "string"},
        {"name": "region", "type": "string"},
    ]
    base = f"/api/v1/domains/{domain}/lakehouses/lh/tables"
    with server.client() as http:
        assert http.post("/api/v1/domains", json={"name": domain}).status_code == 201
        assert http.post(f"/api/v1/domains/{domain}/lakehouses", json={"name": "lh"}).status_code == 201
        spec = {"name": "customers", "columns": columns, "change_data_feed": True, "partition_columns": ["region"]}
        assert http.post(base, json=spec).status_code == 201
        data = pa.table({"id": [1, 2], "customer_name": ["Ada Lovelace", "Alan Turing"], "region": ["eu", "us"]})
        assert http.post(f"{base}/customers/data", content=_parquet(data), headers=PARQUET).status_code in (200, 201)
        assert http.post("/api/v1/shares", json={"name": share, "domain": domain}).status_code == 201
        added = http.post(f"/api/v1/shares/{share}/tables", json={"lakehouse": "lh", "table": "customers"})
        assert added.status_code == 201 and added.json()["tables"][0]["columns"] is None  # nothing labelled yet
        issued = http.post(f"/api/v1/shares/{share}/recipients", json={"name": "partner"}).json()
    profile = folder / "partner.share"
    profile.write_text(json.dumps(issued["profile"]))
    return {
        "url": f"{profile}#{share}.lh.customers",
        "table": f"/delta-sharing/shares/{share}/schemas/lh/tables/customers",
        "auth": {"Authorization": f"Bearer {issued['token']}"},
        "patch": f"{base}/customers",
        "share": share,
    }


def _label(server: Server, shared: dict[str, Any], column: str, label: str | None) -> None:
    with server.client() as http:
        changed = http.patch(shared["patch"], json={"columns": {column: {"sensitivity_label": label}}})
        assert changed.status_code == 200, changed.text


def test_a_column_labelled_after_sharing_is_no_longer_served(server: Server, tmp_path: Path) -> None:
    shared = _share_unlabelled(server, tmp_path)
    before = delta_sharing.load_as_pandas(shared["url"])
    assert "Ada Lovelace" in set(before["customer_name"])
    with server.client() as http:
        old_lines = http.post(f"{shared['table']}/query", json={}, headers=shared["auth"]).text.splitlines()
    old_url = json.loads(old_lines[2])["file"]["url"]
    assert httpx.get(old_url).status_code == 200

    _label(server, shared, "customer_name", "Confidential")

    after = delta_sharing.load_as_pandas(shared["url"])
    assert "customer_name" not in after.columns and sorted(after["id"]) == [1, 2]
    assert httpx.get(old_url).status_code == 403  # the URL was issued for the unlabelled column set
    changes = delta_sharing.load_table_changes_as_pandas(shared["url"], starting_version=0)
    assert "customer_name" not in changes.columns and len(changes) == 2
    for capabilities in ("responseformat=parquet", "responseformat=delta"):
        headers = {**shared["auth"], "delta-sharing-capabilities": capabilities}
        with server.client() as http:
            query = http.post(f"{shared['table']}/query", json={}, headers=headers).text
            changed = http.get(f"{shared['table']}/changes", params={"startingVersion": 0}, headers=headers).text
            meta = http.get(f"{shared['table']}/metadata", headers=headers).text
        for text in (query, changed, meta):
            assert "customer_name" not in text and "Ada" not in text and "Turing" not in text
    with server.client() as http:
        view = http.get(f"/api/v1/shares/{shared['share']}").json()["tables"][0]
    assert view["columns"] == ["id", "region"] and view["chosen_columns"] is None


def test_a_labelled_partition_column_leaves_partition_values_and_hints(server: Server, tmp_path: Path) -> None:
    shared = _share_unlabelled(server, tmp_path)
    _label(server, shared, "region", "Confidential")
    hint = {
        "op": "equal",
        "children": [
            {"op": "column", "name": "region", "valueType": "string"},
            {"op": "literal", "value": "eu", "valueType": "string"},
        ],
    }
    with server.client() as http:
        body = {"jsonPredicateHints": json.dumps(hint)}
        lines = http.post(f"{shared['table']}/query", json=body, headers=shared["auth"]).text.splitlines()
    files = [json.loads(line)["file"] for line in lines[2:]]
    assert len(files) == 2  # a hint on a hidden column filters nothing (no oracle on its values)
    assert all(f["partitionValues"] == {} for f in files)
    assert "region" not in json.loads(lines[1])["metaData"]["partitionColumns"]
    frame = delta_sharing.load_as_pandas(shared["url"])
    assert list(frame.columns) == ["id", "customer_name"]


def test_file_urls_say_whether_the_recipient_was_revoked_or_has_expired(server: Server, tmp_path: Path) -> None:
    import time

    shared = _share_unlabelled(server, tmp_path)
    share = shared["share"]
    with server.client() as http:
        brief = http.post(f"/api/v1/shares/{share}/recipients", json={"name": "brief", "expires_in": "1s"}).json()
        urls = {}
        for who, token in (("partner", shared["auth"]["Authorization"]), ("brief", f"Bearer {brief['token']}")):
            lines = http.post(f"{shared['table']}/query", json={}, headers={"Authorization": token}).text
            urls[who] = json.loads(lines.splitlines()[2])["file"]["url"]
        assert http.delete(f"/api/v1/shares/{share}/recipients/partner").status_code == 200
    time.sleep(1.5)  # let the one-second recipient expire
    revoked, expired = httpx.get(urls["partner"]), httpx.get(urls["brief"])
    assert revoked.status_code == expired.status_code == 401
    assert "revoked" in revoked.json()["message"] and "expired" in expired.json()["message"]
