"""The change data feed and the `delta` response format of the Delta Sharing server, read by the real client."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import delta_sharing
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from requests import HTTPError

from tests.integration.conftest import Server

PARQUET = {"Content-Type": "application/vnd.apache.parquet"}


def _parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def _rows(ids: list[int], names: list[str]) -> pa.Table:
    return pa.table({"id": ids, "name": names, "email": [f"{n}@secret" for n in names]})


@pytest.fixture
def feed(server: Server, tmp_path: Path) -> dict[str, Any]:
    """`events` with the change data feed on: v1 inserts 1-3, v2 merges (updates 2, inserts 4), v3 overwrites with 9.
    `plain` has no change data feed. Both are shared; the Confidential `email` column is hidden from recipients."""
    suffix = uuid.uuid4().hex[:6]
    domain, share = f"cdf{suffix}", f"cdf_{suffix}"
    columns = [
        {"name": "id", "type": "int64"},
        {"name": "name", "type": "string"},
        {"name": "email", "type": "string", "sensitivity_label": "Confidential"},
    ]
    with server.client() as http:
        assert http.post("/api/v1/domains", json={"name": domain}).status_code == 201
        assert http.post(f"/api/v1/domains/{domain}/lakehouses", json={"name": "lh"}).status_code == 201
        base = f"/api/v1/domains/{domain}/lakehouses/lh/tables"
        created = http.post(base, json={"name": "events", "columns": columns, "change_data_feed": True})
        assert created.status_code == 201, created.text
        assert created.json()["properties"] == {"delta.enableChangeDataFeed": "true"}
        assert http.post(base, json={"name": "plain", "columns": columns}).status_code == 201
        writes = [
            ("events", {}, _rows([1, 2, 3], ["a", "b", "c"])),
            ("events", {"merge_keys": "id"}, _rows([2, 4], ["B", "d"])),
            ("events", {"mode": "overwrite"}, _rows([9], ["z"])),
            ("plain", {}, _rows([1], ["a"])),
        ]
        for table, params, data in writes:
            written = http.post(f"{base}/{table}/data", params=params, content=_parquet(data), headers=PARQUET)
            assert written.status_code in (200, 201), written.text
        assert http.post("/api/v1/shares", json={"name": share, "domain": domain}).status_code == 201
        for table in ("events", "plain"):
            added = http.post(f"/api/v1/shares/{share}/tables", json={"lakehouse": "lh", "table": table})
            assert added.status_code == 201, added.text
        issued = http.post(f"/api/v1/shares/{share}/recipients", json={"name": "partner"})
        assert issued.status_code == 201
    profile = tmp_path / "partner.share"
    profile.write_text(json.dumps(issued.json()["profile"]))
    return {
        "url": f"{profile}#{share}.lh.events",
        "plain": f"{profile}#{share}.lh.plain",
        "token": issued.json()["token"],
        "table": f"/delta-sharing/shares/{share}/schemas/lh/tables/events",
        "domain": domain,
    }


def _changes(frame: Any) -> list[tuple[int, str, int, str]]:
    return sorted(zip(frame["_commit_version"], frame["_change_type"], frame["id"], frame["name"], strict=True))


EXPECTED = [
    (1, "insert", 1, "a"),
    (1, "insert", 2, "b"),
    (1, "insert", 3, "c"),
    (2, "insert", 4, "d"),
    (2, "update_postimage", 2, "B"),
    (2, "update_preimage", 2, "b"),
    (3, "delete", 1, "a"),
    (3, "delete", 2, "B"),
    (3, "delete", 3, "c"),
    (3, "delete", 4, "d"),
    (3, "insert", 9, "z"),
]


def test_real_client_reads_inserts_updates_and_deletes(server: Server, feed: dict[str, Any]) -> None:
    frame = delta_sharing.load_table_changes_as_pandas(feed["url"], starting_version=1, ending_version=3)
    assert _changes(frame) == EXPECTED
    assert "email" not in frame.columns  # the hidden column stays hidden in change files too
    assert frame["_commit_timestamp"].min() > 1_600_000_000_000  # milliseconds since the epoch
    assert set(frame.groupby("_commit_version")["_commit_timestamp"].nunique()) == {1}
    only_merge = delta_sharing.load_table_changes_as_pandas(feed["url"], starting_version=2, ending_version=2)
    assert _changes(only_merge) == [c for c in EXPECTED if c[0] == 2]
    with server.client() as http:
        audit = http.get("/api/v1/audit", params={"action": "share.table_changes_read", "limit": 50}).json()
    assert any(e["resource_name"] == f"{feed['domain']}.lh.events" for e in audit["items"])


def test_real_client_reads_the_feed_in_delta_format(feed: dict[str, Any]) -> None:
    frame = delta_sharing.load_table_changes_as_pandas(
        feed["url"], starting_version=1, ending_version=3, use_delta_format=True
    )
    assert _changes(frame) == EXPECTED
    assert "email" not in frame.columns


def test_feed_refused_without_change_data_feed_and_beyond_the_latest_version(
    server: Server, feed: dict[str, Any]
) -> None:
    with pytest.raises(HTTPError) as refused:
        delta_sharing.load_table_changes_as_pandas(feed["plain"], starting_version=0)
    assert refused.value.response.status_code == 400
    assert "delta.enableChangeDataFeed" in refused.value.response.json()["message"]
    auth = {"Authorization": f"Bearer {feed['token']}"}
    with server.client() as http:
        beyond = http.get(f"{feed['table']}/changes", params={"startingVersion": 7}, headers=auth)
        assert beyond.status_code == 400 and beyond.json()["errorCode"] == "INVALID_PARAMETER_VALUE"
        assert "beyond the latest version 3" in beyond.json()["message"]
        no_start = http.get(f"{feed['table']}/changes", headers=auth)
        assert no_start.status_code == 400 and "startingVersion" in no_start.json()["message"]
        backwards = http.get(
            f"{feed['table']}/changes", params={"startingVersion": 2, "endingVersion": 1}, headers=auth
        )
        assert backwards.status_code == 400
        bad_time = http.get(f"{feed['table']}/changes", params={"startingTimestamp": "yesterday"}, headers=auth)
        assert bad_time.status_code == 400
        unauthenticated = http.get(f"{feed['table']}/changes", params={"startingVersion": 0}, headers={})
        assert unauthenticated.status_code == 401


def test_feed_turned_on_later_starts_where_it_was_turned_on(server: Server, feed: dict[str, Any]) -> None:
    with server.client() as http:
        base = f"/api/v1/domains/{feed['domain']}/lakehouses/lh/tables/plain"
        turned_on = http.patch(base, json={"change_data_feed": True})
        assert turned_on.status_code == 200, turned_on.text
        assert turned_on.json()["properties"]["delta.enableChangeDataFeed"] == "true"
        written = http.post(f"{base}/data", content=_parquet(_rows([5], ["e"])), headers=PARQUET)
        version = written.json()["version"]
    with pytest.raises(HTTPError):  # version 1 was written before the feed was on
        delta_sharing.load_table_changes_as_pandas(feed["plain"], starting_version=1)
    frame = delta_sharing.load_table_changes_as_pandas(feed["plain"], starting_version=version)
    assert _changes(frame) == [(version, "insert", 5, "e")]


def test_changes_by_timestamp_and_raw_lines(server: Server, feed: dict[str, Any]) -> None:
    auth = {"Authorization": f"Bearer {feed['token']}"}
    with server.client() as http:
        lines = http.get(f"{feed['table']}/changes", params={"startingVersion": 1}, headers=auth)
        assert lines.status_code == 200 and lines.headers["delta-table-version"] == "1"
        assert lines.headers["delta-sharing-capabilities"] == "responseformat=parquet"
        parsed = [json.loads(line) for line in lines.text.splitlines()]
        assert list(parsed[0]) == ["protocol"] and list(parsed[1]) == ["metaData"]
        kinds = {(next(iter(p)), p[next(iter(p))]["version"]) for p in parsed[2:]}
        assert kinds == {("add", 1), ("cdf", 2), ("add", 3), ("remove", 3)}
        assert parsed[1]["metaData"]["configuration"]["enableChangeDataFeed"] == "true"
        for line in parsed[2:]:  # every served file, change files included, is projected: no hidden column
            served = http.get(line[next(iter(line))]["url"])
            assert served.status_code == 200
            assert "email" not in pq.read_schema(io.BytesIO(served.content)).names
        when = min(p[next(iter(p))]["timestamp"] for p in parsed[2:] if p[next(iter(p))]["version"] == 2)
        stamp = datetime.fromtimestamp(when / 1000, tz=UTC).isoformat().replace("+00:00", "Z")
        by_time = http.get(f"{feed['table']}/changes", params={"startingTimestamp": stamp}, headers=auth)
        assert by_time.status_code == 200 and by_time.headers["delta-table-version"] == "2"


def test_delta_response_format_for_query_and_metadata(server: Server, feed: dict[str, Any]) -> None:
    frame = delta_sharing.load_as_pandas(feed["url"], use_delta_format=True)
    assert frame["id"].tolist() == [9] and list(frame.columns) == ["id", "name"]
    as_parquet = delta_sharing.load_as_pandas(feed["url"], use_delta_format=False)
    assert as_parquet.to_dict("list") == frame.to_dict("list") == {"id": [9], "name": ["z"]}
    assert len(delta_sharing.load_as_pandas(feed["url"], version=1, limit=2)) == 2
    old = delta_sharing.load_as_pandas(feed["url"], version=2, use_delta_format=True)
    assert sorted(zip(old["id"], old["name"], strict=True)) == [(1, "a"), (2, "B"), (3, "c"), (4, "d")]
    auth = {"Authorization": f"Bearer {feed['token']}"}
    with server.client() as http:
        asked = {**auth, "delta-sharing-capabilities": "responseformat=delta;readerfeatures=deletionvectors"}
        lines = http.post(f"{feed['table']}/query", json={}, headers=asked)
        assert lines.headers["delta-sharing-capabilities"] == "responseformat=delta"
        protocol, metadata, *files = [json.loads(line) for line in lines.text.splitlines()]
        assert protocol["protocol"]["deltaProtocol"]["minWriterVersion"] >= 4
        schema = json.loads(metadata["metaData"]["deltaMetadata"]["schemaString"])
        assert [f["name"] for f in schema["fields"]] == ["id", "name"]
        add = files[0]["file"]["deltaSingleAction"]["add"]
        assert add["path"].startswith(server.url) and json.loads(add["stats"])["numRecords"] == 1
        either = {**auth, "delta-sharing-capabilities": "responseformat=delta,parquet"}
        negotiated = http.get(f"{feed['table']}/metadata", headers=either)
        assert negotiated.headers["delta-sharing-capabilities"] == "responseformat=delta"
        assert "deltaMetadata" in json.loads(negotiated.text.splitlines()[1])["metaData"]
        parquet_only = {**auth, "delta-sharing-capabilities": "responseformat=parquet"}
        plain = http.get(f"{feed['table']}/metadata", headers=parquet_only)
        assert plain.headers["delta-sharing-capabilities"] == "responseformat=parquet"
        assert "format" in json.loads(plain.text.splitlines()[1])["metaData"]
        default = http.post(f"{feed['table']}/query", json={}, headers=auth)
        assert list(json.loads(default.text.splitlines()[2])) == ["file"]
