"""The change data feed read from a real delta-rs log, and response format negotiation."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake
from pyarrow import fs as pafs

from lakemesh.core.errors import BadRequest
from lakemesh.sharing.changes import ChangeRange, read_feed, version_range
from lakemesh.sharing.lines import SharedFile, choose_format, file_line

SCHEMA = pa.schema([("id", pa.int64()), ("name", pa.string())])


def _table(path: Path, *, cdf: bool) -> DeltaTable:
    """v0 create, v1 insert 1-3, v2 merge (update 2, insert 4), v3 delete 1, v4 insert 5, v5 optimize."""
    config = {"delta.enableChangeDataFeed": "true"} if cdf else None
    DeltaTable.create(str(path), SCHEMA, configuration=config)
    write_deltalake(str(path), pa.table({"id": [1, 2, 3], "name": ["a", "b", "c"]}, schema=SCHEMA), mode="append")
    table = DeltaTable(str(path))
    source = pa.table({"id": [2, 4], "name": ["B", "d"]}, schema=SCHEMA)
    table.merge(
        source, "t.id = s.id", source_alias="s", target_alias="t"
    ).when_matched_update_all().when_not_matched_insert_all().execute()
    DeltaTable(str(path)).delete("id = 1")
    write_deltalake(str(path), pa.table({"id": [5], "name": ["e"]}, schema=SCHEMA), mode="append")
    DeltaTable(str(path)).optimize.compact()
    return DeltaTable(str(path))


def test_feed_lists_inserts_then_change_files_and_skips_optimize(tmp_path: Path) -> None:
    table = _table(tmp_path / "t", cdf=True)
    feed = read_feed(pafs.LocalFileSystem(), str(tmp_path / "t"), 1, table.version(), enabled=True)
    kinds = sorted({(f.version, f.kind) for f in feed.files})
    assert table.version() == 5
    assert kinds == [(1, "add"), (2, "cdf"), (3, "cdf"), (4, "add")]  # v5 rewrote files without a data change
    assert all(f.path.startswith("_change_data/") for f in feed.files if f.kind == "cdf")
    stamps = {f.version: f.timestamp for f in feed.files}
    assert stamps[1] <= stamps[2] <= stamps[3]
    assert abs(stamps[1] / 1000 - datetime.now(UTC).timestamp()) < 600


def test_feed_refused_where_the_table_had_it_off(tmp_path: Path) -> None:
    table = _table(tmp_path / "t", cdf=False)
    with pytest.raises(BadRequest, match=r"delta\.enableChangeDataFeed=true"):
        read_feed(pafs.LocalFileSystem(), str(tmp_path / "t"), 0, table.version(), enabled=False)


def test_feed_turned_on_midway_reports_its_metadata(tmp_path: Path) -> None:
    path = tmp_path / "t"
    write_deltalake(str(path), pa.table({"id": [1], "name": ["a"]}, schema=SCHEMA))
    DeltaTable(str(path)).alter.set_table_properties({"delta.enableChangeDataFeed": "true"})
    write_deltalake(str(path), pa.table({"id": [2], "name": ["b"]}, schema=SCHEMA), mode="append")
    with pytest.raises(BadRequest, match="version 0"):
        read_feed(pafs.LocalFileSystem(), str(path), 0, 2, enabled=False)
    feed = read_feed(pafs.LocalFileSystem(), str(path), 1, 2, enabled=False)
    assert [(f.version, f.kind) for f in feed.files] == [(2, "add")]
    assert list(feed.metadata) == []  # the change at the start version is the head metadata, not history
    DeltaTable(str(path)).alter.set_table_properties({"delta.logRetentionDuration": "interval 30 days"})
    later = read_feed(pafs.LocalFileSystem(), str(path), 1, 3, enabled=False)
    assert list(later.metadata) == [3] and [(f.version, f.kind) for f in later.files] == [(2, "add")]


def test_version_range_rules(tmp_path: Path) -> None:
    table = _table(tmp_path / "t", cdf=True)
    assert version_range(table, ChangeRange(starting_version=1, ending_version=99)) == (1, 5)  # end capped
    with pytest.raises(BadRequest, match="beyond the latest version 5"):
        version_range(table, ChangeRange(starting_version=6))
    with pytest.raises(BadRequest, match="startingVersion or startingTimestamp"):
        version_range(table, ChangeRange())
    with pytest.raises(BadRequest, match="before its start"):
        version_range(table, ChangeRange(starting_version=3, ending_version=2))
    future = datetime.now(UTC) + timedelta(days=1)
    with pytest.raises(BadRequest, match="after the latest version"):
        version_range(table, ChangeRange(starting_timestamp=future))
    past = datetime(2000, 1, 1, tzinfo=UTC)
    assert version_range(table, ChangeRange(starting_timestamp=past)) == (0, 5)
    with pytest.raises(BadRequest, match="before the first version"):
        version_range(table, ChangeRange(starting_version=0, ending_timestamp=past))


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "parquet"),
        ("responseformat=parquet", "parquet"),
        ("responseformat=delta", "delta"),
        ("ResponseFormat=Delta,Parquet;readerfeatures=deletionvectors", "delta"),
        ("readerfeatures=deletionvectors", "parquet"),
        ("responseformat=avro", "parquet"),
    ],
)
def test_response_format_negotiation(header: str | None, expected: str) -> None:
    assert choose_format(header) == expected


def test_file_lines_in_both_formats() -> None:
    shared = SharedFile(
        kind="remove", url="http://h/f?sp=r", id="x-1", partition={}, size=10, expires=5, version=3, timestamp=7
    )
    parquet = json.loads(file_line("parquet", shared, change_feed=True))
    assert parquet == {
        "remove": {
            "url": "http://h/f?sp=r",
            "id": "x-1",
            "partitionValues": {},
            "size": 10,
            "version": 3,
            "timestamp": 7,
            "expirationTimestamp": 5,
        }
    }
    delta = json.loads(file_line("delta", shared, change_feed=True))["file"]
    assert delta["version"] == 3 and delta["deltaSingleAction"]["remove"]["path"] == "http://h/f?sp=r"
    assert delta["deltaSingleAction"]["remove"]["deletionTimestamp"] == 7
